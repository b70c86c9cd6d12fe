import { Inject, Injectable } from '@nestjs/common';
import { FixedWindowLimiter } from '../common/fixed-window-limiter';
import { AppConfig } from '../config/app-config';

/** Attempt limits for login (per account and per client address) and register (per address). */
@Injectable()
export class LoginRateLimiter {
  private readonly limiter: FixedWindowLimiter;

  constructor(@Inject(AppConfig) private readonly config: AppConfig) {
    this.limiter = new FixedWindowLimiter(config.loginWindowSeconds * 1000);
  }

  /** Counts one login attempt; throws `rate_limited` when the account or the address is over its limit. */
  consumeLogin(username: string, address: string): void {
    this.limiter.consume([
      [`address:${address}`, this.config.loginAddressLimit],
      [`account:${username}`, this.config.loginLimit],
    ]);
  }

  /** Counts one register attempt against the address. */
  consumeRegister(address: string): void {
    this.limiter.consume([[`address:${address}`, this.config.loginAddressLimit]]);
  }

  /** After a successful login the account's counter starts over. */
  resetAccount(username: string): void {
    this.limiter.reset(`account:${username}`);
  }
}
