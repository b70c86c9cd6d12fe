/**
 * Issue 14, end to end: real `sft` processes, a real server, and a TCP proxy in the middle of the peer
 * link (the host listens on loopback and advertises the proxy, so the joiner's direct link crosses it;
 * `--relay never` keeps the relay out). The proxy counts the bytes each way and cuts or refuses the link
 * at an exact byte count; the transfer must come back by itself and move only what the receiver could
 * not prove it already had.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExit, sha256File, type SftProcess, type SftUser } from '../support/sft-process';
import { writeSeededFile } from '../support/seeded-file';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { startServerWithUsers, type ServerWithUsers } from '../support/two-users';
import { freePort, sessionState } from '../support/resume-fixtures';

const MiB = 1024 * 1024;
const SIZE = 64 * MiB;

let world: ServerWithUsers;
let alice: SftUser;
let bob: SftUser;
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  world = await startServerWithUsers(['alice', 'bob']);
  [alice, bob] = world.users;
});

afterAll(async () => {
  await Promise.all(proxies.map((proxy) => proxy.stop()));
  await world?.stop();
});

/** alice hosts `files` for bob through a fresh proxy; returns the host process, the proxy and the session id. */
async function hostThroughProxy(files: string[], extra: string[] = []): Promise<{ host: SftProcess; proxy: TcpProxy; id: string }> {
  const port = await freePort();
  const proxy = await startTcpProxy('127.0.0.1', port);
  proxies.push(proxy);
  const host = alice.spawn([
    'host-session', ...files, '--to', 'bob', '--listen', `127.0.0.1:${port}`, '--advertise', `127.0.0.1:${proxy.port}`, '--relay', 'never', ...extra,
  ]);
  return { host, proxy, id: await host.sessionId() };
}

/** SIGKILLs `receiver` once a partial file in `outDir` holds more than `bytes`. */
async function killWhenPartialPasses(receiver: SftProcess, outDir: string, bytes: number): Promise<void> {
  for (;;) {
    const names = await fs.readdir(outDir).catch(() => [] as string[]);
    const sizes = await Promise.all(names.filter((name) => name.endsWith('.part')).map((name) => fs.stat(path.join(outDir, name)).then((s) => s.size, () => 0)));
    if (sizes.some((size) => size > bytes)) break;
    if (receiver.child.exitCode !== null) throw new Error(`The receiver ended first.\n${receiver.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  receiver.kill('SIGKILL');
  await receiver.done;
}

function join(id: string, out: string, extra: string[] = []): SftProcess {
  return bob.spawn(['join', id, '--out', out, '--relay', 'never', ...extra]);
}

describe('a dropped peer link', () => {
  it('reconnects by itself and sends less than 60% of the file after a cut at 50%, byte-exact', async () => {
    const source = path.join(alice.dir, 'cut.bin');
    await writeSeededFile(source, SIZE, 'cut');
    const { host, proxy, id } = await hostThroughProxy(['cut.bin']);
    proxy.when('down', SIZE / 2, () => {
      proxy.cut();
      proxy.resetCounts();
    });
    const joiner = join(id, 'cut');
    const [joined, hosted] = await Promise.all([joiner.done, host.done]);
    if (process.env.DEBUG_RESUME) console.log(joined.stderr, '\n----\n', hosted.stderr);
    expectExit(joined, 0);
    expectExit(hosted, 0);
    expect(joined.stderr).toMatch(/Connection lost \(.+\); reconnecting \(attempt 1, up to \S+/);
    expect(proxy.bytes.down).toBeLessThan(0.6 * SIZE);
    expect(await sha256File(path.join(bob.dir, 'cut', 'cut.bin'))).toBe(await sha256File(source));
    const row = await sessionState(alice, id);
    expect(row).toMatchObject({ state: 'completed', attempts: expect.any(Number) });
    expect(row?.attempts).toBeGreaterThanOrEqual(2);
    // The receiver's report: every file byte that crossed a link, both links together (a chunk or two in flight at the cut).
    expect(row?.linkBytes).toBeGreaterThanOrEqual(SIZE);
    expect(row?.linkBytes).toBeLessThan(1.1 * SIZE);
  }, 120_000);

  it('resumes the other way too: the joiner sends to a host that receives', async () => {
    const source = path.join(bob.dir, 'upload.bin');
    await writeSeededFile(source, SIZE, 'upload');
    const { host, proxy, id } = await hostThroughProxy(['--receive', '--out', 'uploads']);
    proxy.when('up', SIZE / 2, () => {
      proxy.cut();
      proxy.resetCounts();
    });
    const [joined, hosted] = await Promise.all([bob.spawn(['join', id, 'upload.bin', '--relay', 'never']).done, host.done]);
    expectExit(joined, 0);
    expectExit(hosted, 0);
    expect(hosted.stderr).toMatch(/reconnecting/);
    expect(proxy.bytes.up).toBeLessThan(0.6 * SIZE);
    expect(await sha256File(path.join(alice.dir, 'uploads', 'upload.bin'))).toBe(await sha256File(source));
  }, 120_000);

  it('does not send again the files that were done when the cut falls between files', async () => {
    const names = ['one.bin', 'two.bin', 'three.bin'];
    const each = 16 * MiB;
    for (const name of names) await writeSeededFile(path.join(alice.dir, 'many', name), each, name);
    const { host, proxy, id } = await hostThroughProxy(names.map((name) => path.join('many', name)));
    proxy.when('down', 2 * each + 256 * 1024, () => {
      proxy.cut();
      proxy.resetCounts();
    });
    const [joined, hosted] = await Promise.all([join(id, 'many', ['--json']).done, host.done]);
    expectExit(joined, 0);
    expectExit(hosted, 0);
    const events = joined.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events).toContainEqual(expect.objectContaining({ event: 'reconnecting', id, attempt: 1, reason: expect.any(String) }));
    expect(events.find((event) => event.event === 'done')).toMatchObject({ linkBytes: expect.any(Number) });
    expect(proxy.bytes.down).toBeLessThan(1.25 * each);
    for (const name of names) {
      expect(await sha256File(path.join(bob.dir, 'many', name))).toBe(await sha256File(path.join(alice.dir, 'many', name)));
    }
  }, 120_000);

  it('sends a file again from the start when its source changed between attempts, and verifies it', async () => {
    const source = path.join(alice.dir, 'changing.bin');
    await writeSeededFile(source, SIZE, 'before');
    const { host, proxy, id } = await hostThroughProxy(['changing.bin']);
    proxy.when('down', SIZE / 2, () => {
      proxy.refuse(true);
      proxy.cut();
    });
    const joiner = join(id, 'changing');
    await joiner.waitForStderr(/reconnecting/);
    await writeSeededFile(source, SIZE, 'after');
    const later = new Date(Date.now() + 60_000);
    await fs.utimes(source, later, later);
    proxy.resetCounts();
    proxy.refuse(false);
    const [joined, hosted] = await Promise.all([joiner.done, host.done]);
    expectExit(joined, 0);
    expectExit(hosted, 0);
    expect(joined.stderr + hosted.stderr).toMatch(/"changing\.bin" changed at the sender since the last attempt; it is sent again from the start/);
    expect(proxy.bytes.down).toBeGreaterThanOrEqual(SIZE);
    expect(await sha256File(path.join(bob.dir, 'changing', 'changing.bin'))).toBe(await sha256File(source));
  }, 120_000);

  it('refetches the chunks of a partial file tampered with on disk between attempts, byte-exact', async () => {
    const source = path.join(alice.dir, 'tampered.bin');
    await writeSeededFile(source, SIZE, 'tampered');
    const { host, proxy, id } = await hostThroughProxy(['tampered.bin']);
    proxy.when('down', SIZE / 2, () => {
      proxy.refuse(true);
      proxy.cut();
    });
    const joiner = join(id, 'tampered');
    await joiner.waitForStderr(/reconnecting/);
    const outDir = path.join(bob.dir, 'tampered');
    const partial = (await fs.readdir(outDir)).find((name) => /^\.sft-[0-9a-f]+\.part$/.test(name));
    expect(partial).toBeDefined();
    const handle = await fs.open(path.join(outDir, partial!), 'r+');
    await handle.write(Buffer.from('not what the sender sent'), 0, undefined, Math.floor(SIZE / 10));
    await handle.close();
    proxy.resetCounts();
    proxy.refuse(false);
    const [joined, hosted] = await Promise.all([joiner.done, host.done]);
    expectExit(joined, 0);
    expectExit(hosted, 0);
    // Resumed from the tampered chunk (at 10%), not from the 50% the partial claimed.
    expect(proxy.bytes.down).toBeGreaterThan(0.85 * SIZE);
    expect(proxy.bytes.down).toBeLessThan(SIZE);
    expect(await sha256File(path.join(outDir, 'tampered.bin'))).toBe(await sha256File(source));
  }, 120_000);

  it('fails with exit 5 when the link stays down past --retry-for, keeps nothing and fails the session', async () => {
    const source = path.join(alice.dir, 'gone.bin');
    await writeSeededFile(source, SIZE, 'gone');
    const { host, proxy, id } = await hostThroughProxy(['gone.bin'], ['--retry-for', '3s']);
    proxy.when('down', SIZE / 2, () => {
      proxy.refuse(true);
      proxy.cut();
    });
    const [joined, hosted] = await Promise.all([join(id, 'gone', ['--retry-for', '3s']).done, host.done]);
    expect(joined.code).toBe(5);
    expect(joined.stderr).toMatch(/did not come back within 3s/);
    expect(hosted.code).not.toBe(0);
    expect(await fs.readdir(path.join(bob.dir, 'gone')).catch(() => [])).toEqual([]);
    expect(await sessionState(bob, id)).toMatchObject({ state: 'failed' });
    expect(await fs.readdir(path.join(bob.home, 'transfers')).catch(() => [])).toEqual([]);
  }, 120_000);
});

describe('partial files left behind', () => {
  it('are removed before the next receive into the same --out once their session is closed, one line per session', async () => {
    const source = path.join(alice.dir, 'left.bin');
    await writeSeededFile(source, SIZE, 'left');
    const { host, proxy, id } = await hostThroughProxy(['left.bin']);
    const first = join(id, 'leftovers');
    proxy.when('down', SIZE / 2, () => first.kill('SIGKILL'));
    await first.done;
    await host.waitForStderr(/reconnecting/);
    host.kill('SIGINT'); // Ctrl-C while reconnecting cancels the session
    expect((await host.done).code).toBe(6);
    const outDir = path.join(bob.dir, 'leftovers');
    expect((await fs.readdir(outDir)).some((name) => name.endsWith('.part'))).toBe(true);

    await fs.writeFile(path.join(alice.dir, 'next.txt'), 'next');
    const next = alice.spawn(['host-session', 'next.txt', '--to', 'bob', '--listen', '127.0.0.1:0']);
    const joined = expectExit(await bob.run(['join', await next.sessionId(), '--out', 'leftovers']), 0);
    expectExit(await next.done, 0);
    expect(joined.stderr).toMatch(new RegExp(`Removed 1 partial file\\(s\\) of session ${id} \\(closed`));
    expect(await fs.readdir(outDir)).toEqual(['next.txt']);
  }, 120_000);
});

describe('a side that was killed and run again', () => {
  it('resumes when the receiver is SIGKILLed at 50% and `sft join` is run again: byte-exact, at most 1.6x the file on the wire', async () => {
    const source = path.join(alice.dir, 'rerun.bin');
    await writeSeededFile(source, SIZE, 'rerun');
    const { host, proxy, id } = await hostThroughProxy(['rerun.bin']);
    const first = join(id, 'rerun');
    proxy.when('down', SIZE / 2, () => first.kill('SIGKILL'));
    expect((await first.done).signal).toBe('SIGKILL');
    const [joined, hosted] = await Promise.all([join(id, 'rerun').done, host.done]);
    expectExit(joined, 0);
    expectExit(hosted, 0);
    expect(proxy.bytes.down).toBeLessThanOrEqual(1.6 * SIZE);
    expect(await sha256File(path.join(bob.dir, 'rerun', 'rerun.bin'))).toBe(await sha256File(source));
    expect((await fs.readdir(path.join(bob.dir, 'rerun'))).sort()).toEqual(['rerun.bin']);
  }, 120_000);

  it('resumes through the relay: the receiver SIGKILLed and run again pairs with the host on the next attempt', async () => {
    const source = path.join(alice.dir, 'relayed.bin');
    await writeSeededFile(source, SIZE, 'relayed');
    const host = alice.spawn(['host-session', 'relayed.bin', '--to', 'bob', '--relay', 'only']);
    const id = await host.sessionId();
    const first = bob.spawn(['join', id, '--out', 'relayed']);
    await killWhenPartialPasses(first, path.join(bob.dir, 'relayed'), SIZE / 2);
    const [joined, hosted] = await Promise.all([bob.run(['join', id, '--out', 'relayed']), host.done]);
    expectExit(joined, 0);
    expectExit(hosted, 0);
    expect(joined.stderr).toMatch(/Connected through the relay/);
    expect(await sha256File(path.join(bob.dir, 'relayed', 'relayed.bin'))).toBe(await sha256File(source));
    const row = await sessionState(bob, id);
    expect(row?.linkBytes).toBeLessThan(0.75 * SIZE); // the rerun's link only: the killed process never reported
  }, 120_000);

  it('resumes when the host is SIGKILLed and the same `sft host-session` is run again', async () => {
    const source = path.join(alice.dir, 'host-rerun.bin');
    await writeSeededFile(source, SIZE, 'host-rerun');
    const { host, proxy, id } = await hostThroughProxy(['host-rerun.bin']);
    const joiner = join(id, 'host-rerun');
    proxy.when('down', SIZE / 2, () => host.kill('SIGKILL'));
    expect((await host.done).signal).toBe('SIGKILL');
    const port = await freePort();
    proxy.retarget(port);
    const again = alice.spawn([
      'host-session', 'host-rerun.bin', '--to', 'bob', '--listen', `127.0.0.1:${port}`, '--advertise', `127.0.0.1:${proxy.port}`, '--relay', 'never',
    ]);
    expect(await again.sessionId()).toBe(id);
    const [joined, hosted] = await Promise.all([joiner.done, again.done]);
    expectExit(hosted, 0);
    expectExit(joined, 0);
    expect(hosted.stderr).toMatch(new RegExp(`Resuming session ${id} \\(interrupted\\)`));
    expect(proxy.bytes.down).toBeLessThanOrEqual(1.6 * SIZE);
    expect(await sha256File(path.join(bob.dir, 'host-rerun', 'host-rerun.bin'))).toBe(await sha256File(source));
  }, 120_000);
});
