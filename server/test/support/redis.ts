/**
 * Redis for the tests: SFT_TEST_REDIS_URL or the local default, with the same rule as MySQL — a Redis that
 * does not answer skips its suites with the reason in their name, unless SFT_REQUIRE_REDIS=1 (CI), which
 * fails the run. Every test run uses its own key prefix, so runs sharing one Redis never see each other.
 */
import { randomBytes } from 'node:crypto';
import { describe } from 'vitest';
import { deleteRedisKeys, redisUnavailableReason } from '../../src/redis/redis-probe';

export { deleteRedisKeys };

export const DEFAULT_TEST_REDIS_URL = 'redis://127.0.0.1:6379';

export function testRedisUrl(): string {
  return process.env.SFT_TEST_REDIS_URL || DEFAULT_TEST_REDIS_URL;
}

/** A key prefix no other test run uses: `sft-test-<random>:`. */
export function uniqueRedisPrefix(): string {
  return `sft-test-${randomBytes(6).toString('hex')}:`;
}

/** Null when the Redis suites can run; otherwise why they are skipped. Throws when SFT_REQUIRE_REDIS=1 and Redis is down. */
export async function redisSkipReason(): Promise<string | null> {
  const reason = await redisUnavailableReason(testRedisUrl());
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
