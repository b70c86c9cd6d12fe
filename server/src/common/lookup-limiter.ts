import { Inject, Injectable } from '@nestjs/common';
import { RequestError, RequestErrorCode } from './app-error';
import { AppConfig } from '../config/app-config';

interface Window {
  misses: number;
  resetsAt: number;
}

/**
 * Per-user budget of lookups that found nothing: unknown session ids (or someone else's session) and
 * unknown usernames. Session ids carry 80 random bits, so guessing them is hopeless anyway; usernames
 * are guessable, so without a budget a logged-in user could test which accounts exist at will.
 * Once a user is over the budget, every such lookup is refused (429) until the window ends — also of
 * ids and names that exist, so the refusal itself tells a guesser nothing. In memory, per process.
 */
@Injectable()
export class LookupLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(@Inject(AppConfig) private readonly config: AppConfig) {}

  /** Throws `rate_limited` when `userId` used up its misses in the current window. */
  check(userId: string): void {
    const now = Date.now();
    const window = this.windows.get(userId);
    if (!window || window.resetsAt <= now) return;
    if (window.misses >= this.config.sessionLookupLimit) {
      throw new RequestError(RequestErrorCode.RateLimited, 'Too many lookups of unknown sessions or users; wait a while and try again.', Math.max(1, Math.ceil((window.resetsAt - now) / 1000)));
    }
  }

  /** Counts one lookup by `userId` that found nothing. */
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
