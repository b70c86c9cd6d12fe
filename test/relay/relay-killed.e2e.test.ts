/**
 * A relay that dies mid-transfer (issue 12): real `sft` processes, a real `sft server --no-relay`
 * naming a real `sft relay` process through SFT_RELAY_URL. The host's advertised address refuses,
 * so the transfer goes through the relay; the relay is killed (SIGKILL) once the receiver is writing.
 * Both sides try to reconnect (issue 14) for their `--retry-for` (2 s here), then exit 5, the receiver
 * keeps nothing, and the session closes `failed`.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port';
import { partialFileAppears, SftUser, spawnSft, writeRandomFile, type SftProcess, type SftServer } from '../support/sft-process';
import { MiB, startServerForRelay } from './support';

const SIZE = 256 * MiB;

let server: SftServer;
let relay: SftProcess;
let alice: SftUser;
let bob: SftUser;

beforeAll(async () => {
  const relayPort = await freePort();
  server = await startServerForRelay(relayPort);
  const { dataDir } = server;
  relay = spawnSft(['relay', '--port', String(relayPort), '--host', '127.0.0.1', '--data-dir', dataDir]);
  await relay.waitForStdout(/^sft relay listening on (\S+)$/m);
  [alice, bob] = await Promise.all(['alice', 'bob'].map((name) => SftUser.create(name, server)));
  await Promise.all([alice.register(), bob.register()]);
});

afterAll(async () => {
  relay?.kill('SIGKILL');
  await server?.stop();
  await Promise.all([alice, bob].map((user) => user?.cleanUp()));
});

describe('the relay killed mid-transfer', () => {
  it('ends both sides with exit 5 once reconnecting gave up, keeps nothing, and closes the session failed', async () => {
    await writeRandomFile(path.join(alice.dir, 'big.bin'), SIZE);
    const refused = `127.0.0.1:${await freePort()}`;
    const host = alice.spawn(['host-session', 'big.bin', '--listen', '127.0.0.1:0', '--advertise', refused, '--retry-for', '2s']);
    const id = await host.sessionId();
    const out = path.join(bob.dir, 'killed');
    const joiner = bob.spawn(['join', id, '--out', out, '--retry-for', '2s']);

    await joiner.waitForStderr(/Connected through the relay at 127\.0\.0\.1:\d+/);
    await partialFileAppears(out, joiner.done);
    relay.kill('SIGKILL');
    const [joined, hosted] = await Promise.all([joiner.done, host.done]);

    expect(hosted.stderr).toMatch(/Connected through the relay/);
    expect(joined.code).toBe(5);
    expect(hosted.code).toBe(5);
    expect(joined.stderr).toMatch(/reconnecting/);
    for (const result of [joined, hosted]) expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await fs.readdir(out).catch(() => [])).toEqual([]);

    const rows = (await alice.run(['sessions', '--json'])).stdout.trim().split('\n').map((line) => JSON.parse(line) as { id: string; state: string; path: string | null });
    expect(rows.find((row) => row.id === id)).toMatchObject({ state: 'failed', path: 'relay' });
  }, 120_000);
});
