/**
 * Redis for the tests: SFT_TEST_REDIS_URL or the local default, with the same rule as MySQL — a Redis that
 * does not answer skips its suites with the reason in their name, unless SFT_REQUIRE_REDIS=1 (CI), which
 * fails the run. Every test run uses its own key prefix, so runs sharing one Redis never see each other.
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { describe } from 'vitest';

export const DEFAULT_TEST_REDIS_URL = 'redis://127.0.0.1:6379';

export function testRedisUrl(): string {
  return process.env.SFT_TEST_REDIS_URL || DEFAULT_TEST_REDIS_URL;
}

/** A key prefix no other test run uses: `sft-test-<random>:`. */
export function uniqueRedisPrefix(): string {
  return `sft-test-${randomBytes(6).toString('hex')}:`;
}

/** Null when Redis answers PING; otherwise why not. */
export async function redisUnavailableReason(url = testRedisUrl()): Promise<string | null> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return `Redis at ${url} does not answer (${code ?? message})`;
  } finally {
    redis.disconnect();
  }
}

/** Null when the Redis suites can run; otherwise why they are skipped. Throws when SFT_REQUIRE_REDIS=1 and Redis is down. */
export async function redisSkipReason(): Promise<string | null> {
  const reason = await redisUnavailableReason();
  if (reason && process.env.SFT_REQUIRE_REDIS === '1') throw new Error(`${reason}, and SFT_REQUIRE_REDIS=1 requires it.`);
  if (reason) process.stderr.write(`Redis suites skipped: ${reason}. Set SFT_TEST_REDIS_URL to run them.\n`);
  return reason;
}

/** `describe(title, body)` that runs only when Redis answers; otherwise a skipped suite whose name says why. */
export function describeWithRedis(title: string, body: () => void): void {
  describe(title, async () => {
    const reason = await redisSkipReason();
    (reason ? describe.skip : describe)(reason ? `on Redis — skipped: ${reason}` : 'on Redis', body);
  });
}

/** Deletes every key under `prefix` (SCAN, not KEYS). */
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
