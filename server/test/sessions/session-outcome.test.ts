import { describe, expect, it } from 'vitest';
import { decideOutcome } from '../../src/sessions/session-outcome';
import { SessionState } from '../../src/sessions/session-state';
import type { StoredReport } from '../../src/sessions/session.entity';

const file = { name: 'a.txt', size: 5, crc32: '3610a686', sha256: 'a'.repeat(64) };
const report = (overrides: Partial<StoredReport> = {}): StoredReport => ({ bytes: 5, files: [file], verified: true, reason: null, ...overrides });

describe(decideOutcome.name, () => {
  it('waits while a report is missing', () => {
    expect(decideOutcome(report(), null)).toBeNull();
    expect(decideOutcome(null, report())).toBeNull();
  });

  it('completes when both lists match and the receiver verified', () => {
    expect(decideOutcome(report(), report())).toEqual({ state: SessionState.Completed, reason: null });
  });

  it('fails at once when the receiver did not verify, with its reason', () => {
    expect(decideOutcome(null, report({ verified: false, reason: 'bad tag' }))).toEqual({ state: SessionState.Failed, reason: 'bad tag' });
  });

  it('fails at once when the sender did not verify', () => {
    expect(decideOutcome(report({ verified: false }), null)?.state).toBe(SessionState.Failed);
  });

  it.each(['name', 'size', 'crc32', 'sha256'] as const)('fails when the %s differs', (field) => {
    const changed = { ...file, [field]: field === 'size' ? 6 : field === 'name' ? 'b.txt' : '0'.repeat(field === 'crc32' ? 8 : 64) };
    const outcome = decideOutcome(report(), report({ files: [changed] }));
    expect(outcome?.state).toBe(SessionState.Failed);
    expect(outcome?.reason).toContain(field);
  });

  it('fails when the files come in another order', () => {
    const other = { ...file, name: 'b.txt' };
    expect(decideOutcome(report({ files: [file, other] }), report({ files: [other, file] }))?.state).toBe(SessionState.Failed);
  });

  it('fails when the receiver has fewer files', () => {
    expect(decideOutcome(report({ files: [file, file] }), report())?.state).toBe(SessionState.Failed);
  });
});
