import { RequestError, RequestErrorCode } from './app-error';
import type { CounterLimit, CounterStore, CounterWindow } from './counter-store';

/**
 * Fixed-window counters: each key may count up to its limit per window; once there, `check` and `consume`
 * refuse with `rate_limited` (429, with Retry-After) until the window ends. The login, register and lookup
 * limits are all this one mechanism with different keys and limits. `name` keeps each limiter's keys apart
 * in the store they share. A store that cannot answer makes every method throw `rate_limit_unavailable` (503).
 */
export class FixedWindowLimiter {
  constructor(
    private readonly name: string,
    private readonly windowMs: number,
    private readonly store: CounterStore,
  ) {}

  /** Throws `rate_limited` (with `message`, if given) when any key is at its limit; counts nothing. */
  async check(limits: readonly CounterLimit[], message?: string, now = Date.now()): Promise<void> {
    for (const [key, limit] of limits) {
      const window = await this.store.read(this.key(key), now);
      if (window && window.count >= limit) throw refusal(window, now, message);
    }
  }

  /** Counts one against each key, starting a new window where the old one ended. */
  async count(keys: readonly string[], now = Date.now()): Promise<void> {
    for (const key of keys) await this.store.increment(this.key(key), this.windowMs, now);
  }

  /** `check` then `count` in one atomic step: counts an attempt only when no key is over its limit. */
  async consume(limits: readonly CounterLimit[], message?: string, now = Date.now()): Promise<void> {
    const full = await this.store.consume(limits.map(([key, limit]) => [this.key(key), limit] as const), this.windowMs, now);
    if (full) throw refusal(full, now, message);
  }

  /** Starts the key's count over. */
  async reset(key: string): Promise<void> {
    await this.store.delete(this.key(key));
  }

  private key(key: string): string {
    return `${this.name}:${key}`;
  }
}

function refusal(window: CounterWindow, now: number, message?: string): RequestError {
  return new RequestError(RequestErrorCode.RateLimited, message, Math.max(1, Math.ceil((window.resetsAt - now) / 1000)));
}
