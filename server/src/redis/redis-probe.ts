import Redis from 'ioredis';
import { redactUrl } from '../common/redact-url';

/*
 * Out-of-band Redis chores on a connection of their own, for the bench and the tests (which may both import
 * server code, but not each other); the server itself talks to Redis only through RedisConnection.
 */

/** Null when a Redis at `url` answers PING within 2 s; otherwise why not (the URL without its password). */
export async function redisUnavailableReason(url: string): Promise<string | null> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return `no Redis answers at ${redactUrl(url)} (${code ?? message})`;
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key under `prefix` (SCAN, not KEYS, so a shared Redis is never blocked). */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
