import { describe, expect, it } from 'vitest';
import { Reporter } from '../../src/report/reporter';
import { progressEvents, resumedLine, type RunShown } from '../../src/session/output';
import { MemoryStream } from '../helpers/memory-stream';

const MiB = 1024 * 1024;
const FILES = [{ name: 'big.bin', size: 1024 * MiB }];

function plain() {
  const stdout = new MemoryStream();
  const stderr = new MemoryStream();
  return { reporter: new Reporter({ mode: 'plain', stdout, stderr }), stdout, stderr };
}

/** One link of a run: handshake, manifest, the resume negotiation's outcome. */
function link(reporter: Reporter, shown: RunShown, resumed: boolean, verify: boolean, resumedBytes: number) {
  const { events, finish } = progressEvents(reporter, 'receiver', 'alice', { shown, resumed, verify });
  events.onHandshake?.({ verificationPhrase: resumed ? '654 321' : '123 456' });
  events.onManifest?.(FILES);
  events.onResume?.({ resumedBytes, bytes: FILES[0].size });
  finish();
}

describe(progressEvents.name, () => {
  it('lists the files once per run; a reconnect says how much was already there instead, without a new phrase', () => {
    const { reporter, stderr } = plain();
    const shown = { listing: false, phrase: false };
    link(reporter, shown, false, false, 0);
    link(reporter, shown, true, false, 412 * MiB);
    expect(stderr.text.match(/to be received:/g)).toHaveLength(1);
    expect(stderr.text.match(/Verification phrase/g)).toHaveLength(1);
    expect(stderr.text).toContain('Resumed: 412.0 MiB of 1.0 GiB already there; receiving the rest\n');
    expect(stderr.text).not.toContain('654 321');
  });

  it("shows a reconnect's own phrase with --verify, saying it is a new one", () => {
    const { reporter, stderr } = plain();
    const shown = { listing: false, phrase: false };
    link(reporter, shown, false, true, 0);
    link(reporter, shown, true, true, 412 * MiB);
    expect(stderr.text).toContain('Connected again. Verification phrase of this link: 654 321 (a new one: every link has its own key exchange)');
  });

  it('says nothing of resuming on a first link that kept nothing, and tells --json the resumed bytes', () => {
    const stdout = new MemoryStream();
    const reporter = new Reporter({ mode: 'json', stdout, stderr: new MemoryStream() });
    const shown = { listing: false, phrase: false };
    link(reporter, shown, false, false, 0);
    link(reporter, shown, true, false, 412 * MiB);
    const events = stdout.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.filter((event) => event.event === 'resumed')).toEqual([{ event: 'resumed', resumedBytes: 412 * MiB, bytes: 1024 * MiB }]);
    expect(events.filter((event) => event.event === 'manifest')).toHaveLength(1);
  });

  it('shows the phrase and the listing on the first link of a rerun, and says what was already there', () => {
    const { reporter, stderr } = plain();
    link(reporter, { listing: false, phrase: false }, true, false, 412 * MiB);
    expect(stderr.text).toContain('Connected. Verification phrase: 654 321\n');
    expect(stderr.text).toContain('1 file(s), 1.0 GiB to be received:');
    expect(stderr.text).toContain('Resumed: 412.0 MiB of 1.0 GiB already there; receiving the rest\n');
  });
});

describe(resumedLine.name, () => {
  it('names what was kept, and the sender sends where the receiver receives', () => {
    expect(resumedLine('sender', 412 * MiB, 1024 * MiB)).toBe('Resumed: 412.0 MiB of 1.0 GiB already there; sending the rest');
    expect(resumedLine('sender', 0, 1024 * MiB)).toBe('Resumed: nothing of 1.0 GiB was kept; sending all of it again');
    expect(resumedLine('receiver', 1024 * MiB, 1024 * MiB)).toBe('Resumed: all 1.0 GiB already there; only the checks are left');
  });
});
