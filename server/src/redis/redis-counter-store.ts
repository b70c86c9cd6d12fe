import { RequestError, RequestErrorCode } from '../common/app-error';
import type { CounterLimit, CounterStore, CounterWindow } from '../common/counter-store';
import type { RedisConnection } from './redis-connection';

/*
 * Each counter is one Redis key holding its count, with the window as the key's expiry (INCR + PEXPIRE).
 * Every step is one Lua script, which Redis runs atomically: no count is lost between servers, and a
 * key never lives without its expiry. Replies are [count, milliseconds left] (or [] for "counted").
 */

/** KEYS[1]; → [count, pttl] or nil. */
const READ = `
local count = redis.call('GET', KEYS[1])
if not count then return nil end
return {tonumber(count), redis.call('PTTL', KEYS[1])}`;

/** KEYS[1]; ARGV[1] window ms → [count, pttl]. */
const INCREMENT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

/** KEYS[i] with limit ARGV[i + 1]; ARGV[1] window ms → [] when counted, else [count, pttl] of the first full key. */
const CONSUME = `
for i, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= tonumber(ARGV[i + 1]) then return {count, redis.call('PTTL', key)} end
end
for _, key in ipairs(KEYS) do
  redis.call('INCR', key)
  if redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, ARGV[1]) end
end
return {}`;

type Reply = [count: number, ttlMs: number] | [] | null;

/** Rate-limit counters in Redis, shared by every server on it; keys are `<prefix>limit:<limiter>:<key>`. */
export class RedisCounterStore implements CounterStore {
  constructor(private readonly redis: RedisConnection) {}

  async read(key: string, now: number): Promise<CounterWindow | undefined> {
    return toWindow(await this.run(READ, [key]), now);
  }

  async increment(key: string, windowMs: number, now: number): Promise<CounterWindow> {
    return toWindow(await this.run(INCREMENT, [key], windowMs), now) ?? { count: 1, resetsAt: now + windowMs };
  }

  async consume(limits: readonly CounterLimit[], windowMs: number, now: number): Promise<CounterWindow | undefined> {
    const reply = await this.run(CONSUME, limits.map(([key]) => key), windowMs, ...limits.map(([, limit]) => limit));
    return toWindow(reply, now);
  }

  async delete(key: string): Promise<void> {
    try {
      await this.redis.client.del(this.redis.key(`limit:${key}`));
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  private async run(script: string, keys: string[], ...args: number[]): Promise<Reply> {
    try {
      return (await this.redis.client.eval(script, keys.length, ...keys.map((key) => this.redis.key(`limit:${key}`)), ...args)) as Reply;
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  /** A limit that cannot be checked fails closed: 503, and the log says (once) that Redis is away. */
  private unavailable(error: unknown): RequestError {
    this.redis.noteFailure(error);
    return new RequestError(RequestErrorCode.RateLimitUnavailable);
  }
}

function toWindow(reply: Reply, now: number): CounterWindow | undefined {
  if (!reply || reply.length === 0) return undefined;
  const [count, ttlMs] = reply;
  // A key that expired between the two calls of a script (ttl -2) has no window left.
  return ttlMs > 0 ? { count, resetsAt: now + ttlMs } : undefined;
}
