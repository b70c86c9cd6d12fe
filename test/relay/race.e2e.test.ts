/**
 * The race between the direct link and the relay, with real `sft` processes against a real
 * `sft server` that starts its relay (issue 12, phase 2). Hosts listen on and advertise loopback
 * addresses only; "cannot be dialled" is a closed loopback port given as --advertise.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExit, sha256File, SftUser, startSftServer, writeRandomFile, type SftResult, type SftServer } from '../support/sft-process';
import { freePort } from '../support/free-port';
import { MiB } from './support';

let server: SftServer;
let relayAddress: string;
let alice: SftUser;
let bob: SftUser;

beforeAll(async () => {
  server = await startSftServer();
  const relayUrl = (await server.process.waitForStdout(/^Relay: (tls:\/\/\S+) \(started here\)$/m))[1];
  relayAddress = relayUrl.slice('tls://'.length);
  [alice, bob] = await Promise.all(['alice', 'bob'].map((name) => SftUser.create(name, server)));
  await Promise.all([alice.register(), bob.register()]);
});

afterAll(async () => {
  await server?.stop();
  await Promise.all([alice, bob].map((user) => user?.cleanUp()));
});

const LISTEN = ['--listen', '127.0.0.1:0'];

/** A loopback address nothing listens on: connections to it are refused. */
async function refusingAddress(): Promise<string> {
  return `127.0.0.1:${await freePort()}`;
}

/** alice hosts `name` (a fresh random file of `size`), bob joins; both results, the session id and the file's digest. */
async function transfer(name: string, size: number, hostArgs: string[], joinArgs: string[]) {
  await writeRandomFile(path.join(alice.dir, name), size);
  const host = alice.spawn(['host-session', name, ...hostArgs]);
  const id = await host.sessionId();
  const joined = await bob.run(['join', id, '--out', name + '.out', ...joinArgs]);
  const hosted = await host.done;
  return { id, hosted, joined, digest: await sha256File(path.join(alice.dir, name)) };
}

async function receivedDigest(name: string): Promise<string> {
  return sha256File(path.join(bob.dir, name + '.out', name));
}

/** The session as `sft sessions --json` lists it for alice. */
async function listed(id: string): Promise<{ state: string; path: string | null }> {
  const result = expectExit(await alice.run(['sessions', '--json']), 0);
  const rows = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { id: string; state: string; path: string | null });
  const row = rows.find((r) => r.id === id);
  if (!row) throw new Error(`session ${id} not listed: ${result.stdout}`);
  return row;
}

/** Progress lines (the path among them) go to stderr; stdout holds results. */
function saysRelay(result: SftResult): void {
  expect(result.stderr).toContain(`Connected through the relay at ${relayAddress}`);
  expect(result.stderr).not.toMatch(/Connected direct/);
}

describe('host-session and join: direct or through the relay', () => {
  it('goes through the relay when the host\'s advertised address refuses, byte-exact, and both sides and the server say so', async () => {
    const advertise = await refusingAddress();
    const { id, hosted, joined, digest } = await transfer('refused.bin', 8 * MiB, [...LISTEN, '--advertise', advertise], []);
    expectExit(hosted, 0);
    expectExit(joined, 0);
    expect(await receivedDigest('refused.bin')).toBe(digest);
    saysRelay(hosted);
    saysRelay(joined);
    expect(await listed(id)).toMatchObject({ state: 'completed', path: 'relay' });
    const table = expectExit(await bob.run(['sessions']), 0).stdout;
    expect(table).toMatch(/PATH/);
    expect(table.split('\n').find((line) => line.startsWith(id))).toMatch(/ relay /);
  });

  it('stays direct when the host can be dialled, and says where to', async () => {
    const { id, hosted, joined, digest } = await transfer('direct.bin', 1 * MiB, LISTEN, ['--json']);
    expectExit(hosted, 0);
    expectExit(joined, 0);
    expect(await receivedDigest('direct.bin')).toBe(digest);
    const pathEvent = joined.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>).find((e) => e.event === 'path');
    expect(pathEvent).toMatchObject({ id, path: 'direct', address: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    expect(hosted.stderr).toMatch(/Connected direct to 127\.0\.0\.1:\d+/);
    expect(await listed(id)).toMatchObject({ state: 'completed', path: 'direct' });
  });

  it('join --relay only goes through the relay even when the host can be dialled', async () => {
    const { id, hosted, joined, digest } = await transfer('join-only.bin', 1 * MiB, LISTEN, ['--relay', 'only']);
    expectExit(hosted, 0);
    expectExit(joined, 0);
    expect(await receivedDigest('join-only.bin')).toBe(digest);
    saysRelay(hosted);
    saysRelay(joined);
    expect(await listed(id)).toMatchObject({ path: 'relay' });
  });

  it('host-session --relay only opens no direct endpoint: the joiner goes to the relay at once', async () => {
    const { id, hosted, joined, digest } = await transfer('host-only.bin', 1 * MiB, ['--relay', 'only'], []);
    expectExit(hosted, 0);
    expectExit(joined, 0);
    expect(await receivedDigest('host-only.bin')).toBe(digest);
    expect(joined.stderr).toMatch(/connecting through the relay/);
    saysRelay(joined);
    expect(await listed(id)).toMatchObject({ path: 'relay' });
  });

  it('join --relay never with no direct route fails with exit 5 and the hint, nothing kept, the session failed', async () => {
    const advertise = await refusingAddress();
    const { id, hosted, joined } = await transfer('never.bin', 64 * 1024, [...LISTEN, '--advertise', advertise], ['--relay', 'never']);
    expect(joined.code).toBe(5);
    expect(joined.stderr).toContain('the host could not be reached directly; try --relay auto'.replace(/^t/, 'T'));
    expect(hosted.code).not.toBe(0);
    expect(joined.stderr).not.toMatch(/Connected/);
    await expect(receivedDigest('never.bin')).rejects.toThrow(/ENOENT/);
    expect(await listed(id)).toMatchObject({ state: 'failed', path: null });
  });

  it('join --relay never against a host --relay only fails at once with exit 5 and the hint', async () => {
    const { hosted, joined } = await transfer('mismatch.bin', 64 * 1024, ['--relay', 'only'], ['--relay', 'never']);
    expect(joined.code).toBe(5);
    expect(joined.stderr).toMatch(/only be reached through the relay/);
    expect(joined.stderr).toContain('try --relay auto');
    expect(hosted.code).not.toBe(0);
  });
});
