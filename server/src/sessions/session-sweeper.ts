import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { RevokedTokensService } from '../auth/revoked-tokens.service';
import { PeriodicTask } from '../common/periodic-task';
import { AppConfig } from '../config/app-config';
import { SessionsService } from './sessions.service';

/** Runs the expiry sweep on a timer (unref'd, so it never keeps the process alive) and purges old revocations. */
@Injectable()
export class SessionSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;

  constructor(
    @Inject(AppConfig) config: AppConfig,
    sessions: SessionsService,
    revokedTokens: RevokedTokensService,
  ) {
    this.task = new PeriodicTask('expiry sweep', config.sweepIntervalMs, async () => {
      await sessions.sweep();
      await revokedTokens.purgeExpired();
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onModuleDestroy(): void {
    this.task.stop();
  }
}
