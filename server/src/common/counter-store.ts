/** One key's counter in its current window. */
export interface CounterWindow {
  count: number;
  /** Epoch milliseconds when the window ends and the count starts over. */
  resetsAt: number;
}

/** A key and the count at which it refuses. */
export type CounterLimit = readonly [key: string, limit: number];

/**
 * Where the rate-limit counters live: in this process (`MemoryCounterStore`, one server; a restart forgets)
 * or in Redis (`RedisCounterStore`, server/src/redis/: every server counts together and a restart forgets
 * nothing). Each method is one atomic step, so concurrent requests on several servers never lose a count.
 * A store that cannot answer throws `rate_limit_unavailable` (503): a limit that cannot be checked fails closed.
 */
export interface CounterStore {
  /** The key's open window, or undefined when none is open. */
  read(key: string, now: number): Promise<CounterWindow | undefined>;
  /** Adds one to the key's count, opening a window of `windowMs` where none is open. */
  increment(key: string, windowMs: number, now: number): Promise<CounterWindow>;
  /**
   * When no key is at its limit, adds one to each (as `increment`) and resolves undefined; otherwise counts
   * nothing and resolves the window of the first key that is at its limit.
   */
  consume(limits: readonly CounterLimit[], windowMs: number, now: number): Promise<CounterWindow | undefined>;
  delete(key: string): Promise<void>;
}

/** Injection token of the one CounterStore the limiters share (chosen by RedisModule). */
export const COUNTER_STORE = Symbol('CounterStore');

/** Counters in a Map that forgets ended windows once it holds many keys. One server process only. */
export class MemoryCounterStore implements CounterStore {
  private readonly windows = new Map<string, CounterWindow>();

  constructor(private readonly maxKeys = 20_000) {}

  read(key: string, now: number): Promise<CounterWindow | undefined> {
    return Promise.resolve(this.open(key, now));
  }

  increment(key: string, windowMs: number, now: number): Promise<CounterWindow> {
    return Promise.resolve(this.add(key, windowMs, now));
  }

  consume(limits: readonly CounterLimit[], windowMs: number, now: number): Promise<CounterWindow | undefined> {
    for (const [key, limit] of limits) {
      const window = this.open(key, now);
      if (window && window.count >= limit) return Promise.resolve(window);
    }
    for (const [key] of limits) this.add(key, windowMs, now);
    return Promise.resolve(undefined);
  }

  delete(key: string): Promise<void> {
    this.windows.delete(key);
    return Promise.resolve();
  }

  private open(key: string, now: number): CounterWindow | undefined {
    const window = this.windows.get(key);
    return window && window.resetsAt > now ? window : undefined;
  }

  private add(key: string, windowMs: number, now: number): CounterWindow {
    const open = this.open(key, now);
    const window = open ? { ...open, count: open.count + 1 } : { count: 1, resetsAt: now + windowMs };
    if (!this.windows.has(key) && this.windows.size >= this.maxKeys) this.forgetEnded(now);
    this.windows.set(key, window);
    return window;
  }

  private forgetEnded(now: number): void {
    for (const [key, window] of this.windows) if (window.resetsAt <= now) this.windows.delete(key);
  }
}
