import { afterAll, beforeAll, expect, it } from 'vitest';
import { HealthController } from '../../src/health/health.controller';
import { describeEachDatabase } from '../support/databases';
import { createFreshMysqlDatabase } from '../support/mysql';
import { startTestServer, type TestServer } from '../support/test-server';
import { startTcpProxy } from '../../../test/support/tcp-proxy';

describeEachDatabase(HealthController.name, (db) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ dbUrl: db.dbUrl });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers ok with the database up, without a token', async () => {
    const res = await t.api.get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', database: 'up' });
  });

  it('serves the OpenAPI document at /docs-json', async () => {
    const res = await t.api.get('/docs-json');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/auth/login', '/sessions/{id}/join', '/health']));
  });

  it('serves the Swagger UI at /docs', async () => {
    const res = await t.api.get('/docs');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/swagger/i);
  });

  if (db.dbUrl?.startsWith('mysql://')) {
    it('answers 503 database_unavailable from /health and other routes when MySQL stops answering', async () => {
      const database = await createFreshMysqlDatabase(db.dbUrl!);
      const mysqlUrl = new URL(database.url);
      const proxy = await startTcpProxy(mysqlUrl.hostname, Number(mysqlUrl.port || 3306));
      mysqlUrl.host = `127.0.0.1:${proxy.port}`;
      const server = await startTestServer({ dbUrl: mysqlUrl.toString(), freshDatabase: false });
      try {
        expect((await server.api.get('/health')).status).toBe(200);
        await proxy.stop();
        const health = await server.api.get('/health');
        expect(health.status).toBe(503);
        expect(health.body).toEqual({ statusCode: 503, code: 'database_unavailable', message: expect.any(String) });
        const register = await server.api.post('/auth/register', { body: { username: 'erin', password: 'password123' } });
        expect(register.status).toBe(503);
        expect(register.body.code).toBe('database_unavailable');
      } finally {
        await server.close().catch(() => undefined);
        await database.drop();
      }
    });
  }
});
