import { describe, expect, it, vi } from 'vitest';
import { RequestError } from '../../src/common/app-error';
import { FixedWindowLimiter, MemoryCounterStore } from '../../src/common/fixed-window-limiter';

describe(FixedWindowLimiter.name, () => {
  it('refuses the attempt after the limit with rate_limited and the seconds left in the window', () => {
    const limiter = new FixedWindowLimiter(60_000);
    limiter.consume([['a', 2]]);
    limiter.consume([['a', 2]]);
    const refused = (() => {
      try {
        limiter.consume([['a', 2]]);
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(RequestError);
    expect(refused).toMatchObject({ code: 'rate_limited', details: { retryAfterSeconds: 60 } });
  });

  it('counts nothing when one of several keys is over its limit', () => {
    const limiter = new FixedWindowLimiter(60_000);
    limiter.consume([['address', 1]]);
    expect(() => limiter.consume([['account', 5], ['address', 1]])).toThrow(RequestError);
    // The account key was not counted by the refused attempt.
    for (let i = 0; i < 5; i++) limiter.consume([['account', 5]]);
    expect(() => limiter.consume([['account', 5]])).toThrow(RequestError);
  });

  it('lets check pass until count reaches the limit, and starts over when the window ends', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    try {
      const limiter = new FixedWindowLimiter(10_000);
      limiter.check([['u', 1]]);
      limiter.count(['u']);
      expect(() => limiter.check([['u', 1]], 'too many')).toThrow('too many');
      vi.advanceTimersByTime(10_000);
      expect(() => limiter.check([['u', 1]])).not.toThrow();
    } finally {
      vi.useRealTimers();
    }
  });

  it('starts a key over on reset', () => {
    const limiter = new FixedWindowLimiter(60_000);
    limiter.consume([['k', 1]]);
    limiter.reset('k');
    expect(() => limiter.consume([['k', 1]])).not.toThrow();
  });
});

describe(MemoryCounterStore.name, () => {
  it('forgets ended windows once it holds its maximum of keys', () => {
    const store = new MemoryCounterStore(2);
    store.set('old', { count: 1, resetsAt: Date.now() - 1 });
    store.set('live', { count: 1, resetsAt: Date.now() + 60_000 });
    store.set('new', { count: 1, resetsAt: Date.now() + 60_000 });
    expect(store.get('old')).toBeUndefined();
    expect(store.get('live')).toBeDefined();
    expect(store.get('new')).toBeDefined();
  });
});
