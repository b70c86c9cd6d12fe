import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { COUNTER_STORE, type CounterStore } from './counter-store';
import { FixedWindowLimiter } from './fixed-window-limiter';

const MESSAGE = 'Too many lookups of unknown sessions or users; wait a while and try again.';

/**
 * Per-user budget of lookups that found nothing: unknown session ids (or someone else's session) and
 * unknown usernames. Session ids carry 80 random bits, so guessing them is hopeless anyway; usernames
 * are guessable, so without a budget a logged-in user could test which accounts exist at will.
 * Once a user is over the budget, every such lookup is refused (429) until the window ends — also of
 * ids and names that exist, so the refusal itself tells a guesser nothing. With Redis the budget is
 * shared by every server.
 */
@Injectable()
export class LookupLimiter {
  private readonly limiter: FixedWindowLimiter;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(COUNTER_STORE) store: CounterStore,
  ) {
    this.limiter = new FixedWindowLimiter('lookup', config.loginWindowSeconds * 1000, store);
  }

  /** Throws `rate_limited` when `userId` used up its misses in the current window. */
  check(userId: string): Promise<void> {
    return this.limiter.check([[userId, this.config.sessionLookupLimit]], MESSAGE);
  }

  /** Counts one lookup by `userId` that found nothing. */
  miss(userId: string): Promise<void> {
    return this.limiter.count([userId]);
  }
}
