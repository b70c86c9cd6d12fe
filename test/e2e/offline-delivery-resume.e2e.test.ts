/**
 * Issue 14 for stored deliveries, with real processes: every byte between the CLI and the server goes
 * through a pausable relay that counts it. `sft send` SIGKILLed mid-upload and run again continues the same
 * delivery (the server logs which parts it was sent); `sft receive` SIGKILLed mid-download and run again
 * fetches only the rest (`Range`, 206; the relay counts the bytes); a partial download changed on disk is
 * refused and removed, and the next run starts over; a source changed between send runs starts a new
 * delivery; leftovers of deliveries no longer open are removed with a note.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPausableRelay, type PausableRelay } from '../faults/support/pausable-relay';
import { expectExit, sha256File, SftUser, startSftServer, writeRandomFile, type SftProcess, type SftServer } from '../support/sft-process';

const MIB = 1024 * 1024;
const SIZE = 40 * MIB;
/** Plenty for TLS records, headers and the few JSON calls of one run; far less than the parts or bytes a restart would resend. */
const OVERHEAD = MIB;

let server: SftServer;
let relay: PausableRelay;
let alice: SftUser;
let bob: SftUser;

beforeAll(async () => {
  server = await startSftServer();
  relay = await startPausableRelay(Number(new URL(server.url).port));
  const viaRelay: SftServer = { ...server, url: `https://127.0.0.1:${relay.port}` };
  [alice, bob] = await Promise.all(['alice', 'bob'].map((name) => SftUser.create(name, viaRelay)));
  await Promise.all([alice.register(), bob.register()]);
  await writeRandomFile(path.join(alice.dir, 'big.bin'), SIZE);
});

afterAll(async () => {
  await relay?.close();
  await server?.stop();
  await Promise.all([alice, bob].map((user) => user?.cleanUp()));
});

const canonical = (id: string) => id.replace(/-/g, '');
const fileSize = (file: string) => fs.stat(file).then((s) => s.size, () => 0);
const uploadFile = (id: string) => path.join(server.dataDir, 'deliveries', `${canonical(id)}.upload`);
/** Where bob's sft keeps the ciphertext it downloaded (client/src/delivery/partial-download.ts). */
const partialFile = (id: string) => {
  const account = createHash('sha256').update(`${new URL(bob.server.url).origin}\nbob`).digest('hex').slice(0, 16);
  return path.join(bob.home, 'receives', account, `${canonical(id)}.part`);
};

/** Waits (polling, no time goal) until `check` holds, then holds every byte in the relay and SIGKILLs `proc`. */
async function killWhen(proc: SftProcess, check: () => Promise<boolean>): Promise<void> {
  let ended = false;
  void proc.done.then(() => (ended = true));
  while (!ended && !(await check())) await new Promise((resolve) => setTimeout(resolve, 5));
  relay.pause();
  proc.kill('SIGKILL');
  const result = await proc.done;
  relay.resume();
  expect(result.signal, `sft ended before it was killed:\n${result.stdout}\n${result.stderr}`).toBe('SIGKILL');
}

/** Server request-log entries written after `mark` (a length of the server's stdout). */
function serverLogSince(mark: number): { method: string; path: string; status: number }[] {
  return server.process.stdout
    .slice(mark)
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

/** Starts `sft send FILE --to bob --json` as alice; answers the process and the delivery it announced. */
async function startSend(file: string): Promise<{ proc: SftProcess; id: string; bytes: number }> {
  const proc = alice.spawn(['send', file, '--to', 'bob', '--json']);
  const event = JSON.parse((await proc.waitForStdout(/^(\{"event":"delivery".*\})$/m))[1]);
  return { proc, id: event.id, bytes: event.bytes };
}

async function storedDelivery(file: string): Promise<{ id: string; bytes: number }> {
  const { proc, id, bytes } = await startSend(file);
  expectExit(await proc.done, 0);
  return { id, bytes };
}

/** Starts `sft receive ID` as bob and kills it once at least `at` bytes of ciphertext are on his disk. */
async function killedReceive(id: string, out: string, at: number): Promise<number> {
  const receiving = bob.spawn(['receive', id, '--out', out]);
  await killWhen(receiving, async () => (await fileSize(partialFile(id))) >= at);
  await expect(fs.stat(path.join(bob.dir, out, 'big.bin'))).rejects.toThrow();
  return fileSize(partialFile(id));
}

describe('resuming stored deliveries', () => {
  it('a sender killed mid-upload and run again continues the same delivery; stored parts are not sent again', async () => {
    const { proc, id, bytes } = await startSend('big.bin');
    await killWhen(proc, async () => (await fileSize(uploadFile(id))) >= 8 * MIB);
    const record = path.join(alice.home, 'sends', `${id}.json`);
    expect((await fs.stat(record)).mode & 0o777).toBe(0o600);
    expect(await fs.readFile(record, 'utf8')).toContain(path.join(alice.dir, 'big.bin'));

    const mark = server.process.stdout.length;
    const upBefore = relay.bytes.up;
    const rerun = expectExit(await alice.run(['send', 'big.bin', '--to', 'bob']), 0);
    const resumed = rerun.stderr.match(/Resuming upload of delivery (\S+) at (\d+) MiB/);
    expect(resumed?.[1]).toBe(id);
    expect(rerun.stdout).toContain(`Stored for bob: ${id}`);

    const partCount = Math.ceil(bytes / MIB);
    const sentParts = serverLogSince(mark)
      .filter((e) => e.method === 'PUT' && e.path.startsWith(`/deliveries/${id}/parts/`))
      .map((e) => Number(e.path.split('/').pop()));
    const first = Number(resumed![2]);
    expect(first).toBeGreaterThanOrEqual(4);
    expect(first).toBeLessThan(partCount);
    expect(Math.min(...sentParts)).toBe(first); // none the server already had
    expect(new Set(sentParts).size).toBe(partCount - first);
    expect(relay.bytes.up - upBefore).toBeLessThan(bytes - first * MIB + OVERHEAD);
    await expect(fs.stat(record)).rejects.toThrow(); // the file key is gone with the finished upload

    expectExit(await bob.run(['receive', id, '--out', 'sent-twice']), 0);
    expect(await sha256File(path.join(bob.dir, 'sent-twice', 'big.bin'))).toBe(await sha256File(path.join(alice.dir, 'big.bin')));
  });

  it('Ctrl-C stops an upload with exit 6 and keeps it for a rerun, which continues the same delivery', async () => {
    const { proc, id } = await startSend('big.bin');
    while (proc.child.exitCode === null && (await fileSize(uploadFile(id))) < 4 * MIB) await new Promise((resolve) => setTimeout(resolve, 5));
    proc.kill('SIGINT');
    const stopped = expectExit(await proc.done, 6);
    expect(stopped.stdout).toContain(`run the same \`sft send\` again to continue it`);
    expect((await fs.stat(path.join(alice.home, 'sends', `${id}.json`))).mode & 0o777).toBe(0o600);

    const rerun = expectExit(await alice.run(['send', 'big.bin', '--to', 'bob']), 0);
    expect(rerun.stderr).toMatch(new RegExp(`Resuming upload of delivery ${id} at [1-9]\\d* MiB`));
    expect(rerun.stdout).toContain(`Stored for bob: ${id}`);
    expectExit(await bob.run(['receive', id, '--out', 'interrupted']), 0);
    expect(await sha256File(path.join(bob.dir, 'interrupted', 'big.bin'))).toBe(await sha256File(path.join(alice.dir, 'big.bin')));
  });

  it('a receiver killed mid-download and run again downloads only the rest (Range) and gets the files byte-exact', async () => {
    const { id, bytes } = await storedDelivery('big.bin');
    const kept = await killedReceive(id, 'resumed', 8 * MIB);
    expect(kept).toBeLessThan(bytes);
    expect((await fs.stat(partialFile(id))).mode & 0o777).toBe(0o600);

    const mark = server.process.stdout.length;
    const downBefore = relay.bytes.down;
    const rerun = expectExit(await bob.run(['receive', id, '--out', 'resumed']), 0);
    expect(rerun.stderr).toContain(`Resuming download of delivery ${id} at ${Math.floor(kept / MIB)} MiB`);
    const downloaded = relay.bytes.down - downBefore;
    expect(downloaded).toBeGreaterThanOrEqual(bytes - kept);
    expect(downloaded).toBeLessThan(bytes - kept + OVERHEAD);
    expect(serverLogSince(mark).filter((e) => e.path === `/deliveries/${id}/blob`).map((e) => e.status)).toEqual([206]);

    expect(await sha256File(path.join(bob.dir, 'resumed', 'big.bin'))).toBe(await sha256File(path.join(alice.dir, 'big.bin')));
    await expect(fs.stat(partialFile(id))).rejects.toThrow();
    expect(await fs.readdir(path.join(bob.dir, 'resumed'))).toEqual(['big.bin']);
  });

  it('a partial download changed on disk between runs is detected, removed with nothing kept, and the next run starts over', async () => {
    const { id } = await storedDelivery('big.bin');
    const kept = await killedReceive(id, 'tampered', 8 * MIB);
    const handle = await fs.open(partialFile(id), 'r+');
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, 3 * MIB);
    await handle.write(Buffer.from([byte[0] ^ 0x01]), 0, 1, 3 * MIB);
    await handle.close();
    expect(kept).toBeGreaterThan(3 * MIB);

    const refused = expectExit(await bob.run(['receive', id, '--out', 'tampered']), 4);
    expect(refused.stderr).toMatch(new RegExp(`kept of delivery ${id} from an earlier run does not verify.*removed.*nothing was kept`));
    expect(await fs.readdir(path.join(bob.dir, 'tampered')).catch(() => [])).toEqual([]);
    await expect(fs.stat(partialFile(id))).rejects.toThrow();

    const again = expectExit(await bob.run(['receive', id, '--out', 'tampered']), 0);
    expect(again.stderr).not.toContain('Resuming');
    expect(await sha256File(path.join(bob.dir, 'tampered', 'big.bin'))).toBe(await sha256File(path.join(alice.dir, 'big.bin')));
  });

  it('a source changed between send runs starts a new delivery and says so; the old one is withdrawn and its leftovers removed', async () => {
    await writeRandomFile(path.join(alice.dir, 'changing.bin'), SIZE);
    const { proc, id: first } = await startSend('changing.bin');
    await killWhen(proc, async () => (await fileSize(uploadFile(first))) >= 4 * MIB);
    const handle = await fs.open(path.join(alice.dir, 'changing.bin'), 'r+');
    await handle.write(Buffer.from('changed'), 0, 7, 0);
    await handle.close();

    const rerun = expectExit(await alice.run(['send', 'changing.bin', '--to', 'bob']), 0);
    expect(rerun.stderr).toMatch(new RegExp(`changing\\.bin changed since delivery ${first} began.*starting a new delivery`));
    expect(rerun.stderr).not.toContain('Resuming');
    const second = rerun.stdout.match(/Stored for bob: (\S+)/)![1];
    expect(second).not.toBe(first);
    await expect(fs.stat(path.join(alice.home, 'sends', `${first}.json`))).rejects.toThrow();
    expect(expectExit(await bob.run(['receive', first, '--out', 'changed']), 6).stderr).toContain('withdrawn');

    // A leftover of the withdrawn delivery in bob's SFT_HOME goes at his next receive, with a note.
    await fs.mkdir(path.dirname(partialFile(first)), { recursive: true });
    await fs.writeFile(partialFile(first), Buffer.alloc(1000));
    const received = expectExit(await bob.run(['receive', second, '--out', 'changed']), 0);
    expect(received.stderr).toContain(`Removed the partial download of delivery ${first}: it is withdrawn.`);
    await expect(fs.stat(partialFile(first))).rejects.toThrow();
    expect(await sha256File(path.join(bob.dir, 'changed', 'changing.bin'))).toBe(await sha256File(path.join(alice.dir, 'changing.bin')));
  });
});
