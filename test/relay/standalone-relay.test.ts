/**
 * `sft relay` on its own, as on another machine: a real `sft server --no-relay` names it through
 * SFT_RELAY_URL, and the relay process holds only the ticket key's public half and a certificate
 * (taken from the server's data dir here, as `--data-dir` allows on a shared machine).
 *
 * Load: 50 relayed pairs at once, all byte-exact, while the relay process's RSS stays bounded — the
 * receivers hold back for a moment first, so a relay that buffered instead of applying backpressure
 * would have to hold every sender's bytes. Also the cap on sessions in total, the idle timeout, and
 * the one-line error of a relay started without a ticket key.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestAccount } from '../../server/test/support/accounts';
import { freePort } from '../support/free-port';
import { expectExit, launchSftServer, makeTempDir, runSft, spawnSft, type SftProcess } from '../support/sft-process';
import {
  accounts, joinedSession, MiB, mintTicket, receiveAll, receiveExactly, refusalOf, relayPair, sendRandom, sleep,
  ticketFromApi, worldOf, type RelayWorld,
} from './support';

const PAIRS = 50;
const HOST_BYTES = 4 * MiB;
const JOINER_BYTES = 256 * 1024;
const HOLD_BACK_MS = 1_000;
const IDLE_TIMEOUT_S = 5;
/** What 50 pairs may add to the relay's RSS: socket and TLS buffers, not the 200 MiB the senders push. */
const MAX_RSS_GROWTH = 64 * MiB;

function rssOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error('no VmRSS');
  return Number(match[1]) * 1024;
}

describe('sft relay running alone', () => {
  let server: SftProcess;
  let relay: SftProcess;
  let world: RelayWorld;
  let alice: TestAccount;
  let bob: TestAccount;

  beforeAll(async () => {
    const dataDir = await makeTempDir('sft-relay-alone-');
    const relayPort = await freePort();
    const relayUrl = `tls://127.0.0.1:${relayPort}`;
    const launched = await launchSftServer(dataDir, 0, { env: { SFT_RELAY_URL: relayUrl }, args: ['--no-relay'] });
    server = launched.process;
    const { url, caCertPath: caPath } = launched;
    expect((await server.waitForStdout(/^Relay: (.+)$/m))[1]).toBe(relayUrl);
    relay = spawnSft(['relay', '--port', String(relayPort), '--host', '127.0.0.1', '--data-dir', dataDir], {
      env: {
        SFT_RELAY_MAX_SESSIONS: String(PAIRS),
        SFT_RELAY_MAX_PER_ACCOUNT: String(PAIRS + 4),
        SFT_RELAY_IDLE_TIMEOUT: String(IDLE_TIMEOUT_S),
        // Every test client comes from 127.0.0.1 and opens its 100 connections at once.
        SFT_RELAY_MAX_PENDING_PER_ADDRESS: String(2 * PAIRS + 10),
      },
    });
    expect((await relay.waitForStdout(/^sft relay listening on (\S+)$/m))[1]).toBe(relayUrl);
    world = worldOf(url, caPath, relayUrl, dataDir);
    [alice, bob] = await accounts(world, 'alice', 'bob');
  });
  afterAll(async () => {
    relay?.kill('SIGTERM');
    server?.kill('SIGTERM');
    await Promise.all([relay?.done, server?.done]);
  });

  async function pairThroughApi(): Promise<[import('node:stream').Duplex, import('node:stream').Duplex]> {
    const id = await joinedSession(world, alice, bob);
    return relayPair(world, await ticketFromApi(world, alice, id), await ticketFromApi(world, bob, id));
  }

  it(`relays ${PAIRS} pairs at once, all byte-exact, with the relay's RSS bounded, and refuses a session past the total cap`, async () => {
    // Warm-up pair, so the baseline includes what the first pair loads once.
    const [warmHost, warmJoiner] = await pairThroughApi();
    const warm = receiveExactly(warmJoiner, MiB);
    const warmSent = await sendRandom(warmHost, MiB);
    expect(await warm).toBe(warmSent);
    warmHost.destroy();
    warmJoiner.destroy();
    await sleep(500);
    const baseline = rssOf(relay.child.pid!);

    const pairs = await Promise.all(Array.from({ length: PAIRS }, () => pairThroughApi()));
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(relay.child.pid!))), 50);
    try {
      const sent = pairs.map(([host, joiner]) => Promise.all([sendRandom(host, HOST_BYTES, 256 * 1024), sendRandom(joiner, JOINER_BYTES)]));
      await sleep(HOLD_BACK_MS);
      // Every session slot is taken: one more session is refused, whoever asks.
      expect(await refusalOf(world, mintTicket(world, {}))).toEqual({ text: 'error: relay busy, try later\n', closed: true });
      const received = pairs.map(([host, joiner]) => Promise.all([receiveExactly(joiner, HOST_BYTES), receiveExactly(host, JOINER_BYTES)]));
      const [sentHashes, receivedHashes] = await Promise.all([Promise.all(sent), Promise.all(received)]);
      expect(receivedHashes).toEqual(sentHashes);
    } finally {
      clearInterval(sampler);
      for (const [host, joiner] of pairs) {
        host.destroy();
        joiner.destroy();
      }
    }
    expect(peak - baseline).toBeLessThan(MAX_RSS_GROWTH);
  });

  it('closes a pair that stays silent past the idle timeout, and logs why', async () => {
    await sleep(500); // the load test's pairs are gone
    const [host, joiner] = await pairThroughApi();
    const hostEnd = receiveAll(host);
    const joinerEnd = receiveAll(joiner);
    host.write('one small message');
    const [atHost, atJoiner] = await Promise.all([hostEnd, joinerEnd]);
    expect(atJoiner.bytes).toBe('one small message'.length);
    expect(atHost.bytes).toBe(0);
    await sleep(100);
    expect(relay.stdout).toMatch(/"event":"closed","reason":"idle timeout"/);
  });

  it('refuses to start without a ticket key, in one plain error, and stops cleanly on SIGTERM', async () => {
    const home = await makeTempDir('sft-relay-nokey-');
    const result = expectExit(await runSft(['relay', '--port', '0'], { home, env: { SFT_DATA_DIR: home } }), 1);
    expect(result.stderr.trim().split('\n').length).toBeLessThanOrEqual(2); // the CLI's usual "what happened" + "what to do"
    expect(result.stderr).toMatch(/needs the server's ticket key: set SFT_RELAY_PUBLIC_KEY/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(relay.stderr).toBe('');
    relay.kill('SIGTERM');
    expect((await relay.done).code).toBe(0);
  });
});
