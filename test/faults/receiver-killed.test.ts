/**
 * The receiver (`sft join`) is killed with SIGKILL in the middle of a big file: it gets no chance to
 * clean up. Nothing may appear under the file's real name; what is left is only the receiver's
 * temporary file, named `.sft-<random hex>.part` (hidden, clearly temporary, mode 0600), and the
 * session's resume sidecar `.sft-resume-<id>.json` (mode 0600) that a rerun continues from (issue 14).
 * The host reconnects for its `--retry-for` (2 s here), then ends with a clear one-line error and exit
 * code, and reports the session `failed`.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partialFileAppears, SftUser, writeRandomFile } from '../support/sft-process';
import { startServerWithUsers, type ServerWithUsers } from '../support/two-users';

const SIZE = 200 * 1024 * 1024;

let world: ServerWithUsers;
let alice: SftUser;
let bob: SftUser;

beforeAll(async () => {
  world = await startServerWithUsers(['alice', 'bob']);
  [alice, bob] = world.users;
});
afterAll(async () => {
  await world?.stop();
});

describe('a receiver killed with SIGKILL mid-transfer', () => {
  it('leaves no file under its real name, only a temp .sft-*.part and its resume sidecar, and the host exits 5 with a clear message', async () => {
    const source = path.join(alice.dir, 'big.bin');
    await writeRandomFile(source, SIZE);
    const out = path.join(bob.dir, 'killed');
    const host = alice.spawn(['host-session', 'big.bin', '--to', 'bob', '--listen', '127.0.0.1:0', '--retry-for', '2s']);
    const id = await host.sessionId();
    const joiner = bob.spawn(['join', id, '--out', out]);

    const temp = await partialFileAppears(out, joiner.done);
    joiner.kill('SIGKILL');
    const [joined, hosted] = await Promise.all([joiner.done, host.done]);

    expect(joined.signal).toBe('SIGKILL');
    const left = await fs.readdir(out);
    expect(left).not.toContain('big.bin');
    const sidecar = `.sft-resume-${id}.json`;
    expect(left.sort()).toEqual([temp, sidecar].sort());
    expect((await fs.stat(path.join(out, sidecar))).mode & 0o777).toBe(0o600);
    expect((await fs.stat(path.join(out, temp))).mode & 0o777).toBe(0o600);
    expect((await fs.stat(path.join(out, temp))).size).toBeLessThan(SIZE);

    expect(hosted.code).toBe(5);
    expect(hosted.stderr).toMatch(/Transfer failed: .*(closed|reset|connection)/i);
    expect(hosted.stderr).not.toMatch(/\n\s+at /);

    const rows = (await alice.run(['sessions', '--json'])).stdout.trim().split('\n').map((line) => JSON.parse(line) as { id: string; state: string });
    expect(rows.find((row) => row.id === id)?.state).toBe('failed');
    await fs.rm(source);
  }, 120_000);
});
