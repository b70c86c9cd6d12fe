import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TransferRecords, type TransferRecord } from '../../src/state/transfer-records';

let home: string;
let records: TransferRecords;

beforeEach(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'sft-records-'));
  records = new TransferRecords(home);
});

afterEach(async () => {
  await fs.rm(home, { recursive: true, force: true });
});

const record = (sessionId: string, createdAt: string): TransferRecord => ({
  sessionId, serverUrl: 'https://localhost:8443', party: 'host', role: 'sender', peer: 'bob', files: ['/data/a.bin'], createdAt,
});

describe(TransferRecords.name, () => {
  it('keeps one 0600 file per session under transfers/ and lists them oldest first', async () => {
    await records.put(record('bbbb-2222', '2026-01-02T00:00:00.000Z'));
    await records.put(record('aaaa-1111', '2026-01-01T00:00:00.000Z'));
    const stat = await fs.stat(path.join(home, 'transfers', 'aaaa-1111.json'));
    expect(stat.mode & 0o777).toBe(0o600);
    expect((await records.list()).map((r) => r.sessionId)).toEqual(['aaaa-1111', 'bbbb-2222']);
    expect(await records.get('bbbb-2222')).toMatchObject({ peer: 'bob', files: ['/data/a.bin'] });
  });

  it('forgets a record, and lists nothing when there never was one', async () => {
    expect(await records.list()).toEqual([]);
    await records.put(record('aaaa-1111', '2026-01-01T00:00:00.000Z'));
    await records.remove('aaaa-1111');
    await records.remove('aaaa-1111');
    expect(await records.list()).toEqual([]);
  });

  it('never turns something that is not a session id into a path', async () => {
    await expect(records.put(record('../escape', '2026-01-01T00:00:00.000Z'))).rejects.toThrow(/Not a session id/);
  });
});
