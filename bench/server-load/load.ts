/**
 * Load loops against a running server: accounts set up front, then sessions created and joined by
 * concurrent workers for a fixed time, and logins at the server's bcrypt cost.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { makeEphemeralCert, type KeyAndCert } from '../../certs/src/x509';
import { percentile } from '../lib/stats';
import type { LoadClient } from './https-json';

export interface Account {
  username: string;
  password: string;
  token: string;
}

export interface Pair {
  host: Account;
  joiner: Account;
}

export interface SessionLoadRun {
  /** Sessions created and joined per second. */
  rate: number;
  /** Latency of one create+join (two requests), milliseconds. */
  p50Ms: number;
  p99Ms: number;
}

/** Registers and logs in `count` host/joiner pairs; hosts upload a signing key (joins return it). */
export async function makePairs(client: LoadClient, count: number): Promise<Pair[]> {
  const tag = randomBytes(3).toString('hex');
  const make = async (name: string) => {
    const account = { username: name, password: randomBytes(18).toString('base64url'), token: '' };
    await client.send('POST', '/auth/register', { username: account.username, password: account.password }, null, 201);
    account.token = await login(client, account);
    const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x!;
    await client.send('PUT', '/users/me/signing-key', { publicKey: Buffer.from(raw, 'base64url').toString('base64') }, account.token, 200);
    return account;
  };
  return Promise.all(Array.from({ length: count }, async (_, i) => ({ host: await make(`bh${tag}${i}`), joiner: await make(`bj${tag}${i}`) })));
}

/** One login; returns the token. */
export async function login(client: LoadClient, account: { username: string; password: string }): Promise<string> {
  const body = await client.send('POST', '/auth/login', { username: account.username, password: account.password }, null, 200);
  return String(body.token);
}

/** A few ephemeral certificates to reuse across sessions (making one per session would measure the client). */
export async function makeCerts(count: number): Promise<KeyAndCert[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => makeEphemeralCert(`bench peer ${i}`)));
}

/**
 * `concurrency` workers each loop create → join for `seconds`. With several servers (`clients`, one per
 * server), worker w creates on server w and joins on the next one: every session crosses servers.
 */
export async function sessionLoad(
  clients: LoadClient | readonly LoadClient[],
  pairs: Pair[],
  certs: KeyAndCert[],
  concurrency: number,
  seconds: number,
): Promise<SessionLoadRun> {
  const servers = Array.isArray(clients) ? clients : [clients as LoadClient];
  const latencies: number[] = [];
  const elapsed = await runWorkers(concurrency, seconds, async (w) => {
    const pair = pairs[w % pairs.length];
    const creator = servers[w % servers.length];
    const joiner = servers[(w + 1) % servers.length];
    const t0 = performance.now();
    const created = await creator.send(
      'POST',
      '/sessions',
      { direction: 'host-sends', invitee: pair.joiner.username, endpoint: { host: '127.0.0.1', port: 9 }, certificate: certs[w % certs.length].certPem, files: [{ name: 'bench.bin', size: 1 }] },
      pair.host.token,
      201,
    );
    const id = String((created.session as { id: string }).id);
    await joiner.send('POST', `/sessions/${id}/join`, { certificate: certs[(w + 1) % certs.length].certPem }, pair.joiner.token, 200);
    latencies.push(performance.now() - t0);
  });
  latencies.sort((a, b) => a - b);
  if (latencies.length === 0) throw new Error('no session was created and joined');
  return { rate: latencies.length / elapsed, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

/** Reference: GET /health (one database query, no auth) by `concurrency` workers for `seconds`; requests per second. */
export async function healthLoad(client: LoadClient, concurrency: number, seconds: number): Promise<number> {
  let count = 0;
  const elapsed = await runWorkers(concurrency, seconds, async () => {
    const answer = await client.request('GET', '/health', undefined, null);
    if (answer.status !== 200) throw new Error(`GET /health answered ${answer.status}`);
    count++;
  });
  return count / elapsed;
}

/** `count` logins, `concurrency` at a time, spread over the accounts; logins per second. */
export async function loginLoad(client: LoadClient, accounts: Account[], count: number, concurrency: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await login(client, accounts[i % accounts.length]);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  return count / ((performance.now() - started) / 1000);
}

/**
 * Runs `step(worker)` in a loop on `concurrency` workers until `seconds` have passed; returns the
 * elapsed seconds. The first error stops every worker (no stray load into the next measurement) and is thrown.
 */
async function runWorkers(concurrency: number, seconds: number, step: (worker: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  const end = started + seconds * 1000;
  let failure: { error: unknown } | null = null;
  const worker = async (w: number) => {
    while (!failure && performance.now() < end) {
      try {
        await step(w);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  if (failure) throw (failure as { error: unknown }).error;
  return (performance.now() - started) / 1000;
}
