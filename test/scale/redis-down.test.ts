/**
 * Redis stops under two running servers (a private redis-server the test owns, never the shared one) and
 * comes back. Meanwhile the servers keep serving what needs no shared limit, say once (not per retry) that
 * Redis is away, wake long-polls by re-reading the database, and answer 503 rate_limit_unavailable where a
 * limit cannot be checked (login, join). When Redis returns they say so once and are shared again.
 *
 * Wake-ups: the servers re-read a waiting session every SFT_WAIT_RECHECK (15 s here). While Redis is away a
 * change made on the other server arrives by that re-read (before the 40 s long-poll ends); once it is back,
 * within a few seconds — sooner than any re-read could.
 */
import Redis from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerAndLogin, type TestAccount } from '../../server/test/support/accounts';
import { uniqueRedisPrefix } from '../../server/test/support/redis';
import { createSession, peerCertificate } from '../../server/test/support/sessions';
import { createFreshMysqlDatabase } from '../faults/support/mysql';
import { startCluster, type Cluster, type ClusterServer } from './support/cluster';
import { sleep, timeWait, waitUntil } from './support/observe';
import { startPrivateRedis, type PrivateRedis } from './support/private-redis';
import { describeWithMysqlAndRedis } from './support/requirements';

const RECHECK_SECONDS = 15;
const WAIT_SECONDS = 40;
const GONE = /Redis does not answer/g;
const BACK = /Redis answers again/g;

describeWithMysqlAndRedis('two servers whose Redis stops and comes back', () => {
  const prefix = uniqueRedisPrefix();
  let database: Awaited<ReturnType<typeof createFreshMysqlDatabase>>;
  let redis: PrivateRedis;
  let cluster: Cluster;
  let c: ClusterServer;
  let d: ClusterServer;
  let alice: TestAccount;
  let bob: TestAccount;

  beforeAll(async () => {
    database = await createFreshMysqlDatabase();
    redis = await startPrivateRedis();
    cluster = await startCluster(2, {
      dbUrl: database.url,
      redisUrl: redis.url,
      env: { SFT_REDIS_PREFIX: prefix, SFT_WAIT_RECHECK: String(RECHECK_SECONDS) },
    });
    [c, d] = cluster.servers;
    alice = await registerAndLogin(c.api, 'alice');
    bob = await registerAndLogin(d.api, 'bob');
  });
  afterAll(async () => {
    await cluster?.stop();
    await redis?.stop();
    await database?.drop();
  });

  it('keeps serving without Redis: one warning each, wake-ups by re-reading the database, 503 where a limit cannot be checked', async () => {
    await redis.stop();
    await waitUntil(() => [c, d].every((server) => server.stderr.includes('Redis does not answer')), 15_000, 'the warning of both servers');
    await sleep(5000); // several reconnect attempts later…
    for (const server of [c, d]) expect(server.stderr.match(GONE)).toHaveLength(1); // …still one line

    // What needs no shared limit is served: health, tokens, creating, reading, waiting on and cancelling one's own sessions.
    for (const server of [c, d]) {
      const health = await server.api.get('/health');
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ status: 'degraded', database: 'up', redis: 'down' });
    }
    expect((await d.api.get('/auth/me', { token: alice.token })).status).toBe(200);
    const { session } = await createSession(c.api, alice);
    const { answer } = await timeWait(
      () => c.api.get(`/sessions/${session.id}/wait?state=waiting&timeout=${WAIT_SECONDS}`, { token: alice.token }),
      async () => expect((await d.api.post(`/sessions/${session.id}/cancel`, { token: alice.token, body: {} })).status).toBe(200),
    );
    expect(answer.body.state).toBe('cancelled'); // seen on C by its re-read of the database, before the long-poll ended

    // A limit that cannot be checked fails closed, and says why.
    const login = await c.api.post('/auth/login', { body: { username: 'bob', password: bob.password } });
    expect(login.status).toBe(503);
    expect(login.body).toMatchObject({ code: 'rate_limit_unavailable', message: expect.stringMatching(/Redis/) });
    const other = (await createSession(c.api, alice)).session.id as string;
    const { certPem } = await peerCertificate('bob');
    const join = await d.api.post(`/sessions/${other}/join`, { token: bob.token, body: { certificate: certPem } });
    expect(join.status).toBe(503);
    expect(join.body.code).toBe('rate_limit_unavailable');
  }, 90_000);

  it('is shared again once Redis is back: logins answer, and wake-ups cross between the servers through Redis', async () => {
    await redis.start();
    await waitUntil(() => [c, d].every((server) => server.stderr.includes('Redis answers again')), 15_000, 'the recovery line of both servers');
    for (const server of [c, d]) expect(server.stderr.match(BACK)).toHaveLength(1);
    for (const server of [c, d]) expect((await server.api.get('/health')).body).toEqual({ status: 'ok', database: 'up', redis: 'up' });
    // Both servers listen on the channel again (they subscribe anew on every reconnect).
    const probe = new Redis(redis.url);
    try {
      await waitUntil(async () => Number(((await probe.pubsub('NUMSUB', `${prefix}session-changes`)) as [string, number])[1]) === 2, 10_000, 'both subscriptions');
    } finally {
      probe.disconnect();
    }

    expect((await c.api.post('/auth/login', { body: { username: 'bob', password: bob.password } })).status).toBe(200);
    const { session } = await createSession(c.api, alice);
    const { certPem } = await peerCertificate('bob');
    const { answer, msFromChange } = await timeWait(
      () => c.api.get(`/sessions/${session.id}/wait?state=waiting&timeout=${WAIT_SECONDS}`, { token: alice.token }),
      async () => expect((await d.api.post(`/sessions/${session.id}/join`, { token: bob.token, body: { certificate: certPem } })).status).toBe(200),
    );
    expect(answer.body.state).toBe('joined');
    // The wait began 1.5 s before the join; its first re-read is due 15 s after it began: this answer came through Redis.
    expect(msFromChange).toBeLessThan(10_000);
  }, 90_000);
});
