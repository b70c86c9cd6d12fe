/**
 * The database becomes unreachable while the server runs (a TCP proxy in front of MySQL is stopped),
 * then comes back on the same address: the server answers 503 database_unavailable meanwhile, never
 * crashes, and serves again afterwards with everything written before the outage intact.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerAndLogin, type TestAccount } from '../../server/test/support/accounts';
import { createSession } from '../../server/test/support/sessions';
import { startTestServer, type TestServer } from '../../server/test/support/test-server';
import { createFreshMysqlDatabase, describeWithMysql } from './support/mysql';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

/** How many times to ask before concluding the server does not recover (each try waits a little). */
const RECOVERY_TRIES = 60;

describeWithMysql('a server whose database becomes unreachable', () => {
  let database: Awaited<ReturnType<typeof createFreshMysqlDatabase>>;
  let proxy: TcpProxy;
  let t: TestServer;
  let alice: TestAccount;

  beforeAll(async () => {
    database = await createFreshMysqlDatabase();
    const direct = new URL(database.url);
    proxy = await startTcpProxy(direct.hostname, Number(direct.port || 3306));
    const viaProxy = new URL(database.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    t = await startTestServer({ dbUrl: viaProxy.toString(), freshDatabase: false });
    alice = await registerAndLogin(t.api, 'alice');
  });
  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await proxy?.stop();
    await database?.drop();
  });

  it('answers 503 database_unavailable on every database route while it is away, and recovers when it is back', async () => {
    const before = (await createSession(t.api, alice)).session.id as string;

    await proxy.stop();
    const down = [
      await t.api.get('/health'),
      await t.api.post('/auth/login', { body: { username: 'alice', password: alice.password } }),
      await t.api.post('/auth/register', { body: { username: 'bob', password: 'password for bob' } }),
      await t.api.get('/sessions', { token: alice.token }),
      await t.api.get(`/sessions/${before}`, { token: alice.token }),
    ];
    for (const answer of down) {
      expect(answer.status).toBe(503);
      expect(answer.body).toEqual({ statusCode: 503, code: 'database_unavailable', message: expect.any(String) });
    }
    // Not a crash: a route that needs no database still answers.
    expect((await t.api.get('/docs-json')).status).toBe(200);

    await proxy.start();
    let health = await t.api.get('/health');
    for (let i = 0; i < RECOVERY_TRIES && health.status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      health = await t.api.get('/health');
    }
    expect(health.status).toBe(200);

    const login = await t.api.post('/auth/login', { body: { username: 'alice', password: alice.password } });
    expect(login.status).toBe(200);
    const session = await t.api.get(`/sessions/${before}`, { token: login.body.token });
    expect(session.status).toBe(200);
    expect(session.body.state).toBe('waiting');
    // The register refused during the outage left nothing behind: it can be done now.
    expect((await t.api.post('/auth/register', { body: { username: 'bob', password: 'password for bob' } })).status).toBe(201);
  });
});
