/**
 * Two real `sft server` processes on two loopback ports, one MariaDB database, one Redis: they behave as
 * one server. Long-poll wake-ups cross between them through Redis pub/sub, the login and lookup limits
 * are counted once for both (and survive a restart), the sweeper closes each overdue session exactly once
 * under its Redis lock, and a client behind a load balancer finishes its transfer when its server dies.
 *
 * Timing is checked only where it tells the mechanism apart: the servers re-read a waiting session only
 * every SFT_WAIT_RECHECK (30 s here), so a long-poll that answers within a few seconds of a change made on
 * the other server was woken by Redis.
 */
import * as path from 'node:path';
import Redis from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerAndLogin } from '../../server/test/support/accounts';
import { deleteRedisKeys, testRedisUrl, uniqueRedisPrefix } from '../../server/test/support/redis';
import { createSession, peerCertificate } from '../../server/test/support/sessions';
import { newSessionId } from '../../server/src/sessions/session-id';
import { createFreshMysqlDatabase, mysqlQuery } from '../faults/support/mysql';
import { startPausableRelay } from '../faults/support/pausable-relay';
import { freePort } from '../support/free-port';
import { expectExit, partialFileAppears, sha256File, SftUser, writeRandomFile } from '../support/sft-process';
import { startCluster, type Cluster, type ClusterServer } from './support/cluster';
import { startLoadBalancer } from './support/load-balancer';
import { describeWithMysqlAndRedis } from './support/requirements';
import { sleep, sweptCounts, timeWait, waitUntil } from './support/observe';

const RECHECK_SECONDS = 30;
const WAIT_SECONDS = 25;
const LOGIN_LIMIT = 4;
const LOOKUP_LIMIT = 5;

describeWithMysqlAndRedis('two sft servers behind one address', () => {
  const prefix = uniqueRedisPrefix();
  let database: Awaited<ReturnType<typeof createFreshMysqlDatabase>>;
  let cluster: Cluster;
  let a: ClusterServer;
  let b: ClusterServer;
  let redis: Redis;

  beforeAll(async () => {
    database = await createFreshMysqlDatabase();
    redis = new Redis(testRedisUrl());
    cluster = await startCluster(2, {
      dbUrl: database.url,
      redisUrl: testRedisUrl(),
      env: {
        SFT_REDIS_PREFIX: prefix,
        SFT_WAIT_RECHECK: String(RECHECK_SECONDS),
        SFT_SWEEP_INTERVAL: '0.2',
        SFT_LOGIN_LIMIT: String(LOGIN_LIMIT),
        SFT_SESSION_LOOKUP_LIMIT: String(LOOKUP_LIMIT),
      },
    });
    [a, b] = cluster.servers;
  });
  afterAll(async () => {
    await cluster?.stop();
    await database?.drop();
    redis?.disconnect();
    await deleteRedisKeys(testRedisUrl(), prefix);
  });

  it('wakes a host long-polling on A through Redis pub/sub when its session is joined on B, with tokens valid on both', async () => {
    // Both servers listen on the channel of this run.
    await waitUntil(async () => Number(((await redis.pubsub('NUMSUB', `${prefix}session-changes`)) as [string, number])[1]) === 2, 10_000, 'both subscriptions');

    const alice = await registerAndLogin(a.api, 'alice');
    const bob = await registerAndLogin(b.api, 'bob');
    // A token from A works on B (one JWT secret in the configuration of both).
    expect((await b.api.get('/auth/me', { token: alice.token })).body.username).toBe('alice');

    const { session } = await createSession(a.api, alice);
    const { certPem } = await peerCertificate('bob');
    const { answer, msFromChange } = await timeWait(
      () => a.api.get(`/sessions/${session.id}/wait?state=waiting&timeout=${WAIT_SECONDS}`, { token: alice.token }),
      async () => expect((await b.api.post(`/sessions/${session.id}/join`, { token: bob.token, body: { certificate: certPem } })).status).toBe(200),
    );
    expect(answer.status).toBe(200);
    expect(answer.body.state).toBe('joined');
    // A re-reads on its own only every 30 s and the wait lasts 25 s: an answer this early came through Redis.
    expect(msFromChange).toBeLessThan(15_000);
  });

  it('counts login attempts spread over A and B against one limit, and a restart of A does not reset it', async () => {
    const carol = await registerAndLogin(a.api, 'carol');
    const wrong = { username: 'carol', password: 'not the password' };
    for (let i = 0; i < LOGIN_LIMIT; i++) expect((await [a, b][i % 2].api.post('/auth/login', { body: wrong })).status).toBe(401);
    for (const server of [a, b]) {
      const refused = await server.api.post('/auth/login', { body: { username: 'carol', password: carol.password } });
      expect(refused.status).toBe(429);
      expect(refused.body.code).toBe('rate_limited');
    }

    await a.kill();
    await a.start();
    const afterRestart = await a.api.post('/auth/login', { body: { username: 'carol', password: carol.password } });
    expect(afterRestart.status).toBe(429);
    expect(Number(afterRestart.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('shares one lookup budget between A and B', async () => {
    const dave = await registerAndLogin(b.api, 'dave');
    for (let i = 0; i < LOOKUP_LIMIT; i++) {
      expect((await [a, b][i % 2].api.get(`/sessions/${newSessionId()}`, { token: dave.token })).status).toBe(404);
    }
    for (const server of [a, b]) {
      const over = await server.api.get(`/sessions/${newSessionId()}`, { token: dave.token });
      expect(over.status).toBe(429);
      expect(over.body.code).toBe('rate_limited');
    }
    expect((await a.api.get('/users/nobody-here/signing-key', { token: dave.token })).status).toBe(429);
  });

  it('sweeps only under the Redis lock, and expires each overdue session exactly once with both servers sweeping', async () => {
    const erin = await registerAndLogin(a.api, 'erin');
    const ids: string[] = [];
    for (const server of [a, b, a, b, a, b]) ids.push((await createSession(server.api, erin)).session.id as string);
    const rows = ids.map((id) => id.replace(/-/g, ''));

    // The test holds the lock: no server may sweep, however often its timer fires (every 0.2 s).
    const lockKey = `${prefix}lock:sweeper`;
    await waitUntil(async () => (await redis.set(lockKey, 'held-by-the-test', 'PX', 60_000, 'NX')) === 'OK', 10_000);
    await mysqlQuery(database.url, `UPDATE sessions SET expires_at = '2000-01-01 00:00:00' WHERE id IN (?)`, [rows]);
    const logged = [a.stdout.length, b.stdout.length];
    await sleep(2000);
    const held = await mysqlQuery<{ state: string }>(database.url, 'SELECT state FROM sessions WHERE id IN (?)', [rows]);
    expect(held.map((row) => row.state)).toEqual(rows.map(() => 'waiting'));

    await redis.del(lockKey);
    await waitUntil(async () => {
      const now = await mysqlQuery<{ state: string }>(database.url, 'SELECT state FROM sessions WHERE id IN (?)', [rows]);
      return now.every((row) => row.state === 'expired');
    }, 20_000);
    await sleep(1000); // a second sweep, if any, would have run by now
    const swept = sweptCounts(a.stdout.slice(logged[0])) + sweptCounts(b.stdout.slice(logged[1]));
    expect(swept).toBe(ids.length);
    const closed = await mysqlQuery<{ reason: string; closed_at: Date | null }>(database.url, 'SELECT reason, closed_at FROM sessions WHERE id IN (?)', [rows]);
    for (const row of closed) expect(row).toMatchObject({ reason: 'Nobody joined in time.', closed_at: expect.any(Date) });
  });

  it('finishes a transfer behind the load balancer when A is killed mid-wait: the next requests reach B', async () => {
    const balancer = await startLoadBalancer([a.port, b.port]);
    const front = cluster.asSftServer(balancer.url, a.process);
    const [frank, grace] = await Promise.all(['frank', 'grace'].map((name) => SftUser.create(name, front)));
    const listenPort = await freePort();
    const relay = await startPausableRelay(listenPort);
    try {
      await Promise.all([frank.register(), grace.register()]);
      const source = path.join(frank.dir, 'big.bin');
      await writeRandomFile(source, 16 * 1024 * 1024);
      const host = frank.spawn(['host-session', 'big.bin', '--to', 'grace', '--listen', `127.0.0.1:${listenPort}`, '--advertise', `127.0.0.1:${relay.port}`]);
      const id = await host.sessionId();
      const out = path.join(grace.dir, 'out');
      const joiner = grace.spawn(['join', id, '--out', out]);
      await partialFileAppears(out, joiner.done);

      // Both sides now long-poll their session through the balancer, which sends everything to A while A runs.
      relay.pause();
      await a.kill();
      relay.resume();

      const [joined, hosted] = await Promise.all([joiner.done, host.done]);
      expectExit(joined, 0);
      expectExit(hosted, 0);
      expect(await sha256File(path.join(out, 'big.bin'))).toBe(await sha256File(source));
      const [row] = await mysqlQuery<{ state: string }>(database.url, 'SELECT state FROM sessions WHERE id = ?', [id.replace(/-/g, '')]);
      expect(row?.state).toBe('completed');
      // The reports were taken by B.
      expect(b.stdout).toMatch(/"method":"POST","path":"\/sessions\/[^"]+\/report","status":20\d/);
    } finally {
      await relay.close();
      await balancer.close();
      await Promise.all([frank.cleanUp(), grace.cleanUp()]);
      await a.start();
    }
  }, 120_000);
});
