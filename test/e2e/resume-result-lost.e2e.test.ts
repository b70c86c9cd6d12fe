/**
 * Issue 14, end to end: the link drops between the sender's TRAILER and the receiver's RESULT. Real `sft`
 * processes and server; the joiner (receiver) reaches the host (sender) through a TCP proxy that holds one
 * direction (nothing passes, not even the close) and cuts when told. A receiver that verified and reported
 * finishes the sender too, through the server, long before its reconnect window would end (`--retry-for
 * 10m`, a test timeout of minutes); a receiver that never verified is never taken for one that did.
 */
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProxiedPair, sessionState, useProxiedWorld } from '../support/resume-fixtures';
import { writeSeededFile } from '../support/seeded-file';
import { expectExit, sha256File, type SftUser } from '../support/sft-process';

const MiB = 1024 * 1024;
const SIZE = 16 * MiB;

const fixture = useProxiedWorld();
let alice: SftUser;
let bob: SftUser;
let pair: ProxiedPair;
beforeAll(() => ({ alice, bob, pair } = fixture));

describe('a RESULT lost with the link', () => {
  it('ends the sender with success at once when the receiver verified and reported, and the session completes', async () => {
    const source = path.join(alice.dir, 'held.bin');
    await writeSeededFile(source, SIZE, 'held');
    const { host, proxy, id } = await pair.hostThroughProxy(['held.bin'], ['--retry-for', '10m']);
    // Receiver → sender goes silent while the data still flows: the RESULT (and the receiver's exit) never arrive.
    proxy.when('down', SIZE / 4, () => proxy.hold('up'));
    const joined = await pair.join(id, 'held', ['--retry-for', '10m']).done;
    expectExit(joined, 0);
    proxy.cut();
    const hosted = await host.done;
    expectExit(hosted, 0);
    expect(hosted.stderr).toMatch(/the receiver reported the files verified to the server/);
    expect(hosted.stdout).toMatch(/^Sent 1 file\(s\), 16\.0 MiB\. Session completed\.$/m);
    expect(await sha256File(path.join(bob.dir, 'held', 'held.bin'))).toBe(await sha256File(source));
    expect(await sessionState(alice, id)).toMatchObject({ state: 'completed' });
  }, 90_000);

  it('also when the link is cut the moment the RESULT leaves, whether the report is there when the sender first looks or comes while it reconnects', async () => {
    const source = path.join(alice.dir, 'cut-at-result.bin');
    await writeSeededFile(source, SIZE, 'cut-at-result');
    const { host, proxy, id } = await pair.hostThroughProxy(['cut-at-result.bin'], ['--retry-for', '10m']);
    proxy.when('down', SIZE / 4, () => {
      proxy.hold('up');
      // The next byte the receiver sends is its RESULT: the link goes before it arrives, the report is still to come.
      proxy.when('up', 0, () => proxy.cut());
    });
    const [joined, hosted] = await Promise.all([pair.join(id, 'cut-at-result', ['--retry-for', '10m']).done, host.done]);
    if (process.env.DEBUG_RESUME) console.log(joined.stderr, '\n----\n', hosted.stderr);
    expectExit(joined, 0);
    expectExit(hosted, 0);
    expect(hosted.stderr).toMatch(/the receiver reported the files verified to the server/);
    expect(await sha256File(path.join(bob.dir, 'cut-at-result', 'cut-at-result.bin'))).toBe(await sha256File(source));
    expect(await sessionState(alice, id)).toMatchObject({ state: 'completed' });
  }, 90_000);

  it('does not claim success when the receiver was killed before it verified: exit 5 after the window, session failed', async () => {
    const source = path.join(alice.dir, 'unverified.bin');
    await writeSeededFile(source, SIZE, 'unverified');
    const { host, proxy, id } = await pair.hostThroughProxy(['unverified.bin'], ['--retry-for', '3s']);
    // Sender → receiver goes silent: the sender writes everything, its TRAILER too, and the receiver gets none of it.
    proxy.when('down', SIZE / 4, () => proxy.hold('down'));
    const joiner = pair.join(id, 'unverified', ['--retry-for', '3s']);
    await host.waitForStderr(/^sent "unverified\.bin"$/m);
    joiner.kill('SIGKILL');
    await joiner.done;
    const hosted = await host.done;
    expect(hosted.code).toBe(5);
    expect(hosted.stderr).toMatch(/did not come back within 3s/);
    expect(hosted.stderr).not.toMatch(/receiver reported the files verified/);
    expect(hosted.stdout).not.toMatch(/^Sent /m);
    expect(await sessionState(alice, id)).toMatchObject({ state: 'failed' });
  }, 90_000);
});
