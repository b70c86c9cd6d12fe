import { randomBytes } from 'node:crypto';
import type { RedisConnection } from './redis-connection';

/** Deletes the key only if it still holds our token (compare-and-delete in one atomic script). */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * A lock with expiry in Redis, the standard single-instance pattern (redis.io, "distributed locks"):
 * `SET key token NX PX ttl` takes it if nobody holds it, the expiry frees it when its holder dies,
 * and only the holder (who knows the random token) releases it. For work that is safe to repeat
 * (the expiry sweep): it spares duplicate work, it is not what makes the work correct.
 */
export class RedisLock {
  private readonly key: string;

  constructor(
    private readonly redis: RedisConnection,
    name: string,
    private readonly ttlMs: number,
  ) {
    this.key = redis.key(`lock:${name}`);
  }

  /** The token to release it with, or null when another holder has it. Rejects when Redis does not answer. */
  async acquire(): Promise<string | null> {
    const token = randomBytes(16).toString('hex');
    return (await this.redis.client.set(this.key, token, 'PX', this.ttlMs, 'NX')) === 'OK' ? token : null;
  }

  /** Releases the lock if `token` still holds it; true when it did. */
  async release(token: string): Promise<boolean> {
    return (await this.redis.client.eval(RELEASE, 1, this.key, token)) === 1;
  }
}

/**
 * Runs `work`, which must be safe to repeat (each step conditional on the state it expects), under `lock`:
 * not at all while another holder has it; unlocked when there is no lock (no Redis) or Redis does not answer.
 */
export async function runUnderLock(lock: RedisLock | null, work: () => Promise<unknown>): Promise<void> {
  // null: another holder has it. undefined: no lock to take.
  const token = lock ? await lock.acquire().catch(() => undefined) : undefined;
  if (token === null) return;
  try {
    await work();
  } finally {
    if (token) await lock?.release(token).catch(() => undefined);
  }
}
