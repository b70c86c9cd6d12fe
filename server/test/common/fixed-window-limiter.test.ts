import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestError } from '../../src/common/app-error';
import { MemoryCounterStore, type CounterStore } from '../../src/common/counter-store';
import { FixedWindowLimiter } from '../../src/common/fixed-window-limiter';
import { RedisConnection } from '../../src/redis/redis-connection';
import { RedisCounterStore } from '../../src/redis/redis-counter-store';
import { deleteRedisKeys, describeWithRedis, testRedisUrl, uniqueRedisPrefix } from '../support/redis';

/** The limiter's behaviour, the same over every CounterStore. `newStore` gives a store no other test uses. */
function limiterBehaviour(newStore: () => CounterStore): void {
  it('refuses the attempt after the limit with rate_limited and the seconds left in the window', async () => {
    const limiter = new FixedWindowLimiter('t', 60_000, newStore());
    await limiter.consume([['a', 2]]);
    await limiter.consume([['a', 2]]);
    const refused = await limiter.consume([['a', 2]]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RequestError);
    expect(refused).toMatchObject({ code: 'rate_limited', details: { retryAfterSeconds: 60 } });
  });

  it('counts nothing when one of several keys is over its limit', async () => {
    const limiter = new FixedWindowLimiter('t', 60_000, newStore());
    await limiter.consume([['address', 1]]);
    await expect(limiter.consume([['account', 5], ['address', 1]])).rejects.toThrow(RequestError);
    // The account key was not counted by the refused attempt.
    for (let i = 0; i < 5; i++) await limiter.consume([['account', 5]]);
    await expect(limiter.consume([['account', 5]])).rejects.toThrow(RequestError);
  });

  it('lets check pass until count reaches the limit, and starts over when the window ends', async () => {
    const limiter = new FixedWindowLimiter('t', 300, newStore());
    await limiter.check([['u', 1]]);
    await limiter.count(['u']);
    await expect(limiter.check([['u', 1]], 'too many')).rejects.toThrow('too many');
    await new Promise((resolve) => setTimeout(resolve, 400));
    await expect(limiter.check([['u', 1]])).resolves.toBeUndefined();
  });

  it('starts a key over on reset', async () => {
    const limiter = new FixedWindowLimiter('t', 60_000, newStore());
    await limiter.consume([['k', 1]]);
    await limiter.reset('k');
    await expect(limiter.consume([['k', 1]])).resolves.toBeUndefined();
  });

  it('keeps the keys of two limiters on one store apart', async () => {
    const store = newStore();
    const login = new FixedWindowLimiter('login', 60_000, store);
    const lookup = new FixedWindowLimiter('lookup', 60_000, store);
    await login.consume([['alice', 1]]);
    await expect(lookup.consume([['alice', 1]])).resolves.toBeUndefined();
    await expect(login.consume([['alice', 1]])).rejects.toThrow(RequestError);
  });

  it('loses no count when many attempts arrive at once: exactly the limit gets through', async () => {
    const limiter = new FixedWindowLimiter('t', 60_000, newStore());
    const results = await Promise.allSettled(Array.from({ length: 40 }, () => limiter.consume([['burst', 7]])));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(7);
  });
}

describe(FixedWindowLimiter.name, () => {
  describe('in memory', () => limiterBehaviour(() => new MemoryCounterStore()));

  describeWithRedis(RedisCounterStore.name, () => {
    const prefix = uniqueRedisPrefix();
    const connections: RedisConnection[] = [];
    let connection: RedisConnection;
    beforeAll(async () => {
      connection = await RedisConnection.open(testRedisUrl(), prefix);
      connections.push(connection);
    });
    afterAll(async () => {
      await Promise.all(connections.map((c) => c.close()));
      await deleteRedisKeys(testRedisUrl(), prefix);
    });

    let run = 0;
    // Each test's limiter names its keys apart by a store-level prefix of its own.
    limiterBehaviour(() => {
      run += 1;
      return prefixed(new RedisCounterStore(connection), `run${run}:`);
    });

    it('counts together over two connections, as two servers do', async () => {
      const other = await RedisConnection.open(testRedisUrl(), prefix);
      connections.push(other);
      const a = new FixedWindowLimiter('shared', 60_000, new RedisCounterStore(connection));
      const b = new FixedWindowLimiter('shared', 60_000, new RedisCounterStore(other));
      await a.consume([['x', 3]]);
      await b.consume([['x', 3]]);
      await a.consume([['x', 3]]);
      await expect(b.consume([['x', 3]])).rejects.toMatchObject({ code: 'rate_limited' });
    });

    it('fails closed with rate_limit_unavailable (503) when Redis does not answer', async () => {
      const closed = await RedisConnection.open(testRedisUrl(), prefix);
      await closed.close();
      const limiter = new FixedWindowLimiter('t', 60_000, new RedisCounterStore(closed));
      for (const attempt of [() => limiter.consume([['k', 5]]), () => limiter.check([['k', 5]]), () => limiter.count(['k'])]) {
        await expect(attempt()).rejects.toMatchObject({ code: 'rate_limit_unavailable', status: 503 });
      }
    });
  });
});

describe(MemoryCounterStore.name, () => {
  it('forgets ended windows once it holds its maximum of keys', async () => {
    const store = new MemoryCounterStore(2);
    const now = Date.now();
    await store.increment('old', 1000, now - 2000);
    await store.increment('live', 60_000, now);
    await store.increment('new', 60_000, now);
    expect(await store.read('old', now - 1500)).toBeUndefined(); // forgotten, not only ended
    expect(await store.read('live', now)).toBeDefined();
    expect(await store.read('new', now)).toBeDefined();
  });
});

/** The same store with every key under `prefix`: each test starts from empty counters. */
function prefixed(store: CounterStore, prefix: string): CounterStore {
  return {
    read: (key, now) => store.read(prefix + key, now),
    increment: (key, windowMs, now) => store.increment(prefix + key, windowMs, now),
    consume: (limits, windowMs, now) => store.consume(limits.map(([key, limit]) => [prefix + key, limit] as const), windowMs, now),
    delete: (key) => store.delete(prefix + key),
  };
}
