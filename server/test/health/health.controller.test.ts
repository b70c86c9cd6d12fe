import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthController } from '../../src/health/health.controller';
import { describeEachDatabase } from '../support/databases';
import { createFreshMysqlDatabase } from '../support/mysql';
import { deleteRedisKeys, describeWithRedis, testRedisUrl, uniqueRedisPrefix } from '../support/redis';
import { startTestServer, type TestServer } from '../support/test-server';
import { freePort } from '../../../test/support/free-port';
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

describe(`${HealthController.name} with SFT_REDIS_URL`, () => {
  describeWithRedis('', () => {
    let t: TestServer;
    const prefix = uniqueRedisPrefix();
    beforeAll(async () => {
      t = await startTestServer({ env: { SFT_REDIS_URL: testRedisUrl(), SFT_REDIS_PREFIX: prefix } });
    });
    afterAll(async () => {
      await t?.close();
      await deleteRedisKeys(testRedisUrl(), prefix);
    });

    it('reports Redis up and the server ok', async () => {
      const res = await t.api.get('/health');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok', database: 'up', redis: 'up' });
    });
  });

  it('reports Redis down and the server degraded (still 200: what needs no shared limit is served) when nothing listens there', async () => {
    const t = await startTestServer({ env: { SFT_REDIS_URL: `redis://127.0.0.1:${await freePort()}` } });
    try {
      const res = await t.api.get('/health');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'degraded', database: 'up', redis: 'down' });
    } finally {
      await t.close();
    }
  });

  it('documents the answer in OpenAPI', async () => {
    const t = await startTestServer();
    try {
      const schema = (await t.api.get('/docs-json')).body.components.schemas.HealthView;
      expect(Object.keys(schema.properties)).toEqual(['status', 'database', 'redis']);
      expect(schema.required).toEqual(['status', 'database']);
    } finally {
      await t.close();
    }
  });
});
