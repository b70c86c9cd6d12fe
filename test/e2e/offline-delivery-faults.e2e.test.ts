/**
 * Issue 13 faults with real processes: the server is killed (SIGKILL) in the middle of an upload and
 * started again on the same port and data dir — `sft send` resumes from the part the server has and the
 * delivery arrives intact; a receiver killed while it writes the files (they are checked and written once
 * the whole ciphertext is on its disk) leaves nothing under a final name, and a rerun of `sft receive`
 * completes. Killed mid-download, and killed senders: offline-delivery-resume.e2e.test.ts.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExit, sha256File, SftUser, startRestartableSftServer, writeRandomFile, type RestartableSftServer, type SftProcess } from '../support/sft-process';

const SIZE = 64 * 1024 * 1024;

let server: RestartableSftServer;
let alice: SftUser;
let bob: SftUser;

/** Polls (without a time goal) until `check` holds or the process ends. */
async function until(check: () => Promise<boolean>, process: SftProcess): Promise<boolean> {
  let ended = false;
  void process.done.then(() => (ended = true));
  while (!ended) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return check();
}

const storeFiles = async () => fs.readdir(path.join(server.dataDir, 'deliveries')).catch(() => [] as string[]);

beforeAll(async () => {
  server = await startRestartableSftServer();
  [alice, bob] = await Promise.all(['alice', 'bob'].map((name) => SftUser.create(name, server)));
  await Promise.all([alice.register(), bob.register()]);
  await writeRandomFile(path.join(alice.dir, 'big.bin'), SIZE);
});

afterAll(async () => {
  await server?.stop();
  await Promise.all([alice, bob].map((user) => user?.cleanUp()));
});

describe('stored delivery faults', () => {
  it('resumes an upload after the server was killed and restarted, and the delivery arrives intact', async () => {
    const send = alice.spawn(['send', 'big.bin', '--to', 'bob', '--json']);
    const midUpload = await until(async () => (await storeFiles()).some((f) => f.endsWith('.upload')), send);
    await server.kill();
    expect(midUpload).toBe(true);
    expect((await storeFiles()).filter((f) => f.endsWith('.blob'))).toEqual([]); // nothing offered half-written

    const again = await server.restart();
    expect(again.url).toBe(server.url);
    const sent = expectExit(await send.done, 0);
    expect(sent.stdout).toMatch(/"event":"upload-retry"/);
    const id = sent.stdout.trim().split('\n').map((line) => JSON.parse(line)).find((e) => e.event === 'delivery-stored').id as string;

    expectExit(await bob.run(['receive', id, '--out', 'resumed']), 0);
    expect(await sha256File(path.join(bob.dir, 'resumed', 'big.bin'))).toBe(await sha256File(path.join(alice.dir, 'big.bin')));
  });

  it('a receiver killed while it writes the files keeps nothing under a final name; a rerun completes', async () => {
    const sent = expectExit(await alice.run(['send', 'big.bin', '--to', 'bob', '--json']), 0);
    const id = sent.stdout.trim().split('\n').map((line) => JSON.parse(line)).find((e) => e.event === 'delivery-stored').id as string;
    const out = path.join(bob.dir, 'killed');
    const receiving = bob.spawn(['receive', id, '--out', 'killed']);
    const midDownload = await until(async () => (await fs.readdir(out).catch(() => [] as string[])).some((f) => f.endsWith('.part')), receiving);
    receiving.kill('SIGKILL');
    await receiving.done;
    expect(midDownload).toBe(true);
    await expect(fs.stat(path.join(out, 'big.bin'))).rejects.toThrow();

    expectExit(await bob.run(['receive', id, '--out', 'killed']), 0);
    expect(await sha256File(path.join(out, 'big.bin'))).toBe(await sha256File(path.join(alice.dir, 'big.bin')));
  });
});
