/** With Redis, the delivery sweep runs only under its lock, like the sessions' sweep. */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DeliverySweeper } from '../../src/deliveries/delivery-sweeper';
import { registerAndLogin, type TestAccount } from '../support/accounts';
import { queryDatabase } from '../support/db-rows';
import { deleteRedisKeys, describeWithRedis, testRedisUrl, uniqueRedisPrefix } from '../support/redis';
import { startTestServer, type TestServer } from '../support/test-server';

const OCTETS = { 'content-type': 'application/octet-stream' };

describeWithRedis(DeliverySweeper.name, () => {
  const prefix = uniqueRedisPrefix();
  let redis: Redis;
  let t: TestServer;
  let alice: TestAccount;

  beforeAll(async () => {
    redis = new Redis(testRedisUrl());
    t = await startTestServer({ options: { sweepIntervalSeconds: 0.2 }, env: { SFT_REDIS_URL: testRedisUrl(), SFT_REDIS_PREFIX: prefix } });
    [alice] = await Promise.all(['alice', 'bob'].map((name) => registerAndLogin(t.api, name)));
  });
  afterAll(async () => {
    await t?.close();
    await deleteRedisKeys(testRedisUrl(), prefix);
    redis?.disconnect();
  });

  /** A stored delivery of 100 bytes whose expiry is already past; its row id. */
  async function overdueDelivery(): Promise<string> {
    const created = await t.api.post('/deliveries', {
      token: alice.token,
      body: { recipient: 'bob', files: [{ name: 'a', size: 1 }], bytes: 100, ephemeralKey: Buffer.alloc(32, 3).toString('base64'), recipientKeyFingerprint: 'ab'.repeat(32) },
    });
    const id = created.body.delivery.id as string;
    expect((await t.api.put(`/deliveries/${id}/parts/0`, { token: alice.token, raw: randomBytes(100), headers: OCTETS })).status).toBe(200);
    expect((await t.api.post(`/deliveries/${id}/complete`, { token: alice.token })).status).toBe(200);
    const sqlite = new DataSource({ type: 'better-sqlite3', database: t.dbUrl.slice('sqlite:'.length) });
    await sqlite.initialize();
    await sqlite.query("UPDATE deliveries SET expires_at = '2000-01-01 00:00:00.000' WHERE id = ?", [id.replace(/-/g, '')]);
    await sqlite.destroy();
    return id.replace(/-/g, '');
  }

  const stateOf = async (row: string) => (await queryDatabase<{ state: string }>(t.dbUrl, 'SELECT state FROM deliveries WHERE id = ?', [row]))[0].state;

  it('expires nothing while another server holds its lock, and sweeps once the lock is free', async () => {
    const lockKey = `${prefix}lock:delivery-sweeper`;
    // Taken between two sweeps (each holds it for a moment only); from now on only the test has it.
    for (let i = 0; i < 100 && (await redis.set(lockKey, 'held-by-the-test', 'PX', 60_000, 'NX')) !== 'OK'; i++) await sleep(10);
    expect(await redis.get(lockKey)).toBe('held-by-the-test');
    const row = await overdueDelivery();
    await sleep(2000); // ten sweep ticks
    expect(await stateOf(row)).toBe('ready');

    await redis.del(lockKey);
    for (let i = 0; i < 100 && (await stateOf(row)) !== 'expired'; i++) await sleep(100);
    expect(await stateOf(row)).toBe('expired');
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
