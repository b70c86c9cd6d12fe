/**
 * Issue 14, end to end: a side killed with SIGKILL mid-transfer and the same command run again resumes
 * the open session (the receiver from its partial file and sidecar, the host by rejoining the session its
 * SFT_HOME record names), directly through a TCP proxy that counts the bytes, or through the relay; and
 * partial files a closed session left behind are removed before the next receive into that directory.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port';
import { killWhenPartialPasses, ProxiedPair, sessionState, useProxiedWorld } from '../support/resume-fixtures';
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
    // At 50% of the file in its partial file (see the receiving host's test below for why not of the wire).
    await killWhenPartialPasses(first, path.join(bob.dir, 'rerun'), SIZE / 2);
    expect((await first.done).signal).toBe('SIGKILL');
    const before = proxy.bytes.down;
    proxy.resetCounts();
    const [joined, hosted] = await Promise.all([join(id, 'rerun').done, host.done]);
    expectExit(joined, 0);
    expectExit(hosted, 0);
    expect(before + proxy.bytes.down).toBeLessThanOrEqual(1.6 * SIZE);
    // Resumed, not started over (that would be the whole file again). A SIGKILLed receiver also loses what it
    // had read but not yet written (the write-behind window and the reader's queue, a few MiB), so this is
    // looser than the 60% of a cut link that the receiver survives (resume.e2e.test.ts).
    expect(proxy.bytes.down).toBeLessThan(0.75 * SIZE);
    // The rerun shows the listing and the phrase (its first of this run) and what it found already there.
    expect(joined.stderr).toMatch(/Connected\. Verification phrase: [\s\S]*to be received:[\s\S]*^Resumed: \d+\.\d MiB of 64\.0 MiB already there; receiving the rest$/m);
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

  it('resumes when a receiving host (--receive) is SIGKILLed and run again: its partial file in --out is picked up', async () => {
    const source = path.join(bob.dir, 'inbound.bin');
    await writeSeededFile(source, SIZE, 'inbound');
    const { host, proxy, id } = await hostThroughProxy(['--receive', '--out', 'inbound']);
    const joiner = bob.spawn(['join', id, 'inbound.bin', '--relay', 'never']);
    // Killed once half the file is in its partial file: what crossed the proxy by then also fills the
    // socket buffers, its frame queue and write-behind (up to ~18 MiB on loopback), so a kill at 50% of the
    // wire could leave too little on disk for the 75% bound below to tell a resume from a restart.
    await killWhenPartialPasses(host, path.join(alice.dir, 'inbound'), SIZE / 2);
    expect((await host.done).signal).toBe('SIGKILL');
    const before = proxy.bytes.up;
    proxy.resetCounts();
    const port = await freePort();
    proxy.retarget(port);
    const again = alice.spawn([
      'host-session', '--receive', '--out', 'inbound', '--to', 'bob', '--listen', `127.0.0.1:${port}`, '--advertise', `127.0.0.1:${proxy.port}`, '--relay', 'never',
    ]);
    expect(await again.sessionId()).toBe(id);
    const [joined, hosted] = await Promise.all([joiner.done, again.done]);
    expectExit(hosted, 0);
    expectExit(joined, 0);
    expect(before + proxy.bytes.up).toBeLessThanOrEqual(1.6 * SIZE);
    expect(proxy.bytes.up).toBeLessThan(0.75 * SIZE); // resumed (see the first test for why not 60%)
    expect(await sha256File(path.join(alice.dir, 'inbound', 'inbound.bin'))).toBe(await sha256File(source));
    expect((await fs.readdir(path.join(alice.dir, 'inbound'))).sort()).toEqual(['inbound.bin']);
  }, 120_000);

  it('resumes when the host is SIGKILLed and the same `sft host-session` is run again', async () => {
    const source = path.join(alice.dir, 'host-rerun.bin');
    await writeSeededFile(source, SIZE, 'host-rerun');
    const { host, proxy, id } = await hostThroughProxy(['host-rerun.bin']);
    const joiner = join(id, 'host-rerun');
    let before = 0;
    proxy.when('down', SIZE / 2, () => {
      host.kill('SIGKILL');
      before = proxy.bytes.down;
      proxy.resetCounts();
    });
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
    expect(before + proxy.bytes.down).toBeLessThanOrEqual(1.6 * SIZE);
    expect(proxy.bytes.down).toBeLessThan(0.75 * SIZE); // resumed (see the first test for why not 60%)
    expect(await sha256File(path.join(bob.dir, 'host-rerun', 'host-rerun.bin'))).toBe(await sha256File(source));
  }, 120_000);
});
