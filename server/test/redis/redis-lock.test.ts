import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisConnection } from '../../src/redis/redis-connection';
import { RedisLock } from '../../src/redis/redis-lock';
import { deleteRedisKeys, describeWithRedis, testRedisUrl, uniqueRedisPrefix } from '../support/redis';

describeWithRedis(RedisLock.name, () => {
  const prefix = uniqueRedisPrefix();
  let one: RedisConnection;
  let two: RedisConnection;

  beforeAll(async () => {
    [one, two] = await Promise.all([RedisConnection.open(testRedisUrl(), prefix), RedisConnection.open(testRedisUrl(), prefix)]);
  });
  afterAll(async () => {
    await Promise.all([one?.close(), two?.close()]);
    await deleteRedisKeys(testRedisUrl(), prefix);
  });

  it('is held by one holder at a time, across connections', async () => {
    const mine = new RedisLock(one, 'a', 60_000);
    const theirs = new RedisLock(two, 'a', 60_000);
    const token = await mine.acquire();
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(await theirs.acquire()).toBeNull();
    expect(await mine.release(token!)).toBe(true);
    expect(await theirs.acquire()).not.toBeNull();
  });

  it('is released only by the token that holds it', async () => {
    const lock = new RedisLock(one, 'b', 60_000);
    const token = await lock.acquire();
    expect(await new RedisLock(two, 'b', 60_000).release('0'.repeat(32))).toBe(false);
    expect(await lock.acquire()).toBeNull(); // still held
    expect(await lock.release(token!)).toBe(true);
  });

  it('frees itself when its holder never releases it (expiry), and the late holder then releases nothing', async () => {
    const lock = new RedisLock(one, 'c', 200);
    const stale = await lock.acquire();
    await new Promise((resolve) => setTimeout(resolve, 400));
    const fresh = await new RedisLock(two, 'c', 60_000).acquire();
    expect(fresh).not.toBeNull();
    expect(await lock.release(stale!)).toBe(false); // the new holder keeps it
    expect(await new RedisLock(two, 'c', 60_000).acquire()).toBeNull();
  });
});
