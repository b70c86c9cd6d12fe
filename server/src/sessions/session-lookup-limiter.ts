import { Inject, Injectable } from '@nestjs/common';
import { RequestError, RequestErrorCode } from '../common/app-error';
import { AppConfig } from '../config/app-config';

interface Window {
  misses: number;
  resetsAt: number;
}

/**
 * Per-user budget of session lookups that found nothing (unknown id, or someone else's session).
 * Ids carry 80 random bits, so guessing is hopeless anyway; this caps how fast anyone may try.
 * Once a user is over the budget, every lookup by id is refused (429) until the window ends — also
 * of ids that exist, so the refusal itself tells a guesser nothing. In memory, per server process.
 */
@Injectable()
export class SessionLookupLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(@Inject(AppConfig) private readonly config: AppConfig) {}

  /** Throws `rate_limited` when `userId` used up its misses in the current window. */
  check(userId: string): void {
    const now = Date.now();
    const window = this.windows.get(userId);
    if (!window || window.resetsAt <= now) return;
    if (window.misses >= this.config.sessionLookupLimit) {
      throw new RequestError(RequestErrorCode.RateLimited, 'Too many lookups of unknown sessions; wait a while and try again.', Math.max(1, Math.ceil((window.resetsAt - now) / 1000)));
    }
  }

  /** Counts one lookup that found no session for `userId`. */
  miss(userId: string): void {
    const now = Date.now();
    this.forgetOld(now);
    let window = this.windows.get(userId);
    if (!window || window.resetsAt <= now) {
      window = { misses: 0, resetsAt: now + this.config.loginWindowSeconds * 1000 };
      this.windows.set(userId, window);
    }
    window.misses++;
  }

  private forgetOld(now: number): void {
    if (this.windows.size < 10_000) return;
    for (const [key, window] of this.windows) if (window.resetsAt <= now) this.windows.delete(key);
  }
}
