/**
 * Issue 14, end to end: real `sft` processes, a real server, and a TCP proxy in the middle of the peer
 * link (the host listens on loopback and advertises the proxy, so the joiner's direct link crosses it;
 * `--relay never` keeps the relay out). The proxy counts the bytes each way and cuts or refuses the link
 * at an exact byte count; the transfer must come back by itself and move only what the receiver could
 * not prove it already had. Killed and rerun sides: resume-rerun.e2e.test.ts.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProxiedPair, sessionState, useProxiedWorld } from '../support/resume-fixtures';
import { writeSeededFile } from '../support/seeded-file';
import { expectExit, sha256File, type SftProcess, type SftUser } from '../support/sft-process';

const MiB = 1024 * 1024;
const SIZE = 64 * MiB;

const fixture = useProxiedWorld();
let alice: SftUser;
let bob: SftUser;
let pair: ProxiedPair;
beforeAll(() => ({ alice, bob, pair } = fixture));

const hostThroughProxy = (files: string[], extra: string[] = []) => pair.hostThroughProxy(files, extra);
const join = (id: string, out: string, extra: string[] = []): SftProcess => pair.join(id, out, extra);

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
    // The listing and the phrase once per run; the reconnect says how much was already there, on both sides.
    for (const [output, rest] of [[joined.stderr, 'receiving'], [hosted.stderr, 'sending']]) {
      expect(output.match(/to be (received|sent):/g)).toHaveLength(1);
      expect(output.match(/Verification phrase/g)).toHaveLength(1);
      expect(output).toMatch(new RegExp(`^Resumed: \\d+\\.\\d MiB of 64\\.0 MiB already there; ${rest} the rest$`, 'm'));
    }
    expect(joined.stdout).toMatch(/^Verification phrase of the last link: .+ \(each of the \d+ links had its own\)$/m);
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

  it('comes back through the relay when the direct path stays refused (--relay auto), byte-exact', async () => {
    const source = path.join(alice.dir, 'detour.bin');
    await writeSeededFile(source, SIZE, 'detour');
    const { host, proxy, id } = await hostThroughProxy(['detour.bin'], ['--relay', 'auto']);
    proxy.when('down', SIZE / 2, () => {
      proxy.refuse(true);
      proxy.cut();
    });
    const [joined, hosted] = await Promise.all([join(id, 'detour', ['--relay', 'auto']).done, host.done]);
    expectExit(joined, 0);
    expectExit(hosted, 0);
    expect(joined.stderr).toMatch(/Connected direct to[\s\S]*reconnecting[\s\S]*Connected through the relay/);
    expect(await sha256File(path.join(bob.dir, 'detour', 'detour.bin'))).toBe(await sha256File(source));
    expect(await sessionState(alice, id)).toMatchObject({ state: 'completed', path: 'relay' });
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
    const resumed = events.find((event) => event.event === 'resumed');
    expect(resumed).toMatchObject({ bytes: 3 * each });
    expect(resumed?.resumedBytes).toBeGreaterThan(each);
    expect(events.filter((event) => event.event === 'manifest')).toHaveLength(1);
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
