import { RequestError, RequestErrorCode } from './app-error';

/** One key's counter in its current window. */
export interface CounterWindow {
  count: number;
  /** Epoch milliseconds when the window ends and the count starts over. */
  resetsAt: number;
}

/**
 * Where the counters live. In memory today (one server process holds them; a restart forgets them);
 * a shared store (Redis) can take its place so that several server processes count together.
 */
export interface CounterStore {
  get(key: string): CounterWindow | undefined;
  set(key: string, window: CounterWindow): void;
  delete(key: string): void;
}

/** Counters in a Map that forgets ended windows once it holds many keys. */
export class MemoryCounterStore implements CounterStore {
  private readonly windows = new Map<string, CounterWindow>();

  constructor(private readonly maxKeys = 10_000) {}

  get(key: string): CounterWindow | undefined {
    return this.windows.get(key);
  }

  set(key: string, window: CounterWindow): void {
    if (!this.windows.has(key) && this.windows.size >= this.maxKeys) this.forgetEnded(Date.now());
    this.windows.set(key, window);
  }

  delete(key: string): void {
    this.windows.delete(key);
  }

  private forgetEnded(now: number): void {
    for (const [key, window] of this.windows) if (window.resetsAt <= now) this.windows.delete(key);
  }
}

/**
 * Fixed-window counters: each key may count up to its limit per window; once there, `check` and `consume`
 * refuse with `rate_limited` (429, with Retry-After) until the window ends. The login, register and lookup
 * limits are all this one mechanism with different keys and limits.
 */
export class FixedWindowLimiter {
  constructor(
    private readonly windowMs: number,
    private readonly store: CounterStore = new MemoryCounterStore(),
  ) {}

  /** Throws `rate_limited` (with `message`, if given) when any key is at its limit; counts nothing. */
  check(keys: readonly (readonly [key: string, limit: number])[], message?: string, now = Date.now()): void {
    for (const [key, limit] of keys) {
      const window = this.store.get(key);
      if (window && window.resetsAt > now && window.count >= limit) {
        throw new RequestError(RequestErrorCode.RateLimited, message, Math.max(1, Math.ceil((window.resetsAt - now) / 1000)));
      }
    }
  }

  /** Counts one against each key, starting a new window where the old one ended. */
  count(keys: readonly string[], now = Date.now()): void {
    for (const key of keys) {
      const window = this.store.get(key);
      if (window && window.resetsAt > now) this.store.set(key, { ...window, count: window.count + 1 });
      else this.store.set(key, { count: 1, resetsAt: now + this.windowMs });
    }
  }

  /** `check` then `count`: counts an attempt only when no key is over its limit. */
  consume(keys: readonly (readonly [key: string, limit: number])[], message?: string): void {
    const now = Date.now();
    this.check(keys, message, now);
    this.count(keys.map(([key]) => key), now);
  }

  /** Starts the key's count over. */
  reset(key: string): void {
    this.store.delete(key);
  }
}
