import { Inject, Injectable } from '@nestjs/common';
import { COUNTER_STORE, type CounterStore } from '../common/counter-store';
import { FixedWindowLimiter } from '../common/fixed-window-limiter';
import { AppConfig } from '../config/app-config';

/** Attempt limits for login (per account and per client address) and register (per address); shared with Redis. */
@Injectable()
export class LoginRateLimiter {
  private readonly limiter: FixedWindowLimiter;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(COUNTER_STORE) store: CounterStore,
  ) {
    this.limiter = new FixedWindowLimiter('login', config.loginWindowSeconds * 1000, store);
  }

  /** Counts one login attempt; throws `rate_limited` when the account or the address is over its limit. */
  consumeLogin(username: string, address: string): Promise<void> {
    return this.limiter.consume([
      [`address:${address}`, this.config.loginAddressLimit],
      [`account:${username}`, this.config.loginLimit],
    ]);
  }

  /** Counts one register attempt against the address. */
  consumeRegister(address: string): Promise<void> {
    return this.limiter.consume([[`address:${address}`, this.config.loginAddressLimit]]);
  }

  /** After a successful login the account's counter starts over. */
  resetAccount(username: string): Promise<void> {
    return this.limiter.reset(`account:${username}`);
  }
}
