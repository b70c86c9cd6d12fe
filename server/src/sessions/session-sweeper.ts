import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { RevokedTokensService } from '../auth/revoked-tokens.service';
import { AppConfig } from '../config/app-config';
import { SessionsService } from './sessions.service';

/** Runs the expiry sweep on a timer (unref'd, so it never keeps the process alive) and purges old revocations. */
@Injectable()
export class SessionSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly sessions: SessionsService,
    private readonly revokedTokens: RevokedTokensService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.sweepIntervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.sessions.sweep();
      await this.revokedTokens.purgeExpired();
    } catch (error) {
      // The database may be briefly away; the next tick tries again.
      process.stderr.write(`${JSON.stringify({ level: 'warn', msg: 'expiry sweep failed', error: (error as Error).message })}\n`);
    } finally {
      this.running = false;
    }
  }
}
