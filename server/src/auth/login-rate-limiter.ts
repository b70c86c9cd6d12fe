import { Inject, Injectable } from '@nestjs/common';
import { RequestError, RequestErrorCode } from '../common/app-error';
import { AppConfig } from '../config/app-config';

interface Window {
  count: number;
  resetsAt: number;
}

/**
 * Fixed-window attempt counters for login (per account and per client address) and register
 * (per address). In memory: one server process holds them; a restart forgets them.
 */
@Injectable()
export class LoginRateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(@Inject(AppConfig) private readonly config: AppConfig) {}

  /** Counts one login attempt; throws `rate_limited` when the account or the address is over its limit. */
  consumeLogin(username: string, address: string): void {
    this.consume([
      [`address:${address}`, this.config.loginAddressLimit],
      [`account:${username}`, this.config.loginLimit],
    ]);
  }

  /** Counts one register attempt against the address. */
  consumeRegister(address: string): void {
    this.consume([[`address:${address}`, this.config.loginAddressLimit]]);
  }

  /** After a successful login the account's counter starts over. */
  resetAccount(username: string): void {
    this.windows.delete(`account:${username}`);
  }

  private consume(keys: [string, number][]): void {
    const now = Date.now();
    this.forgetOld(now);
    for (const [key, limit] of keys) {
      const window = this.current(key, now);
      if (window.count >= limit) {
        throw new RequestError(RequestErrorCode.RateLimited, undefined, Math.max(1, Math.ceil((window.resetsAt - now) / 1000)));
      }
    }
    for (const [key] of keys) this.current(key, now).count++;
  }

  private current(key: string, now: number): Window {
    let window = this.windows.get(key);
    if (!window || window.resetsAt <= now) {
      window = { count: 0, resetsAt: now + this.config.loginWindowSeconds * 1000 };
      this.windows.set(key, window);
    }
    return window;
  }

  private forgetOld(now: number): void {
    if (this.windows.size < 10_000) return;
    for (const [key, window] of this.windows) if (window.resetsAt <= now) this.windows.delete(key);
  }
}
