import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { RevokedTokensService } from '../auth/revoked-tokens.service';
import { PeriodicTask } from '../common/periodic-task';
import { AppConfig } from '../config/app-config';
import { REDIS_CONNECTION, type RedisConnection } from '../redis/redis-connection';
import { RedisLock, runUnderLock } from '../redis/redis-lock';
import { SessionsService } from './sessions.service';

/** How long the sweep lock lives if its holder dies mid-sweep (a sweep takes far less). */
const SWEEP_LOCK_TTL_MS = 60_000;

/**
 * Runs the expiry sweep on a timer (unref'd, so it never keeps the process alive) and purges old revocations.
 * With Redis, one server at a time sweeps, under a lock with expiry; when Redis does not answer, each server
 * sweeps on its own. Either way every overdue session closes exactly once: each close is an UPDATE conditional
 * on the state it expects, so a second sweeper finds nothing left to close.
 */
@Injectable()
export class SessionSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly lock: RedisLock | null;
  private readonly task: PeriodicTask;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly sessions: SessionsService,
    private readonly revokedTokens: RevokedTokensService,
    @Inject(REDIS_CONNECTION) redis: RedisConnection | null,
  ) {
    this.lock = redis ? new RedisLock(redis, 'sweeper', SWEEP_LOCK_TTL_MS) : null;
    this.task = new PeriodicTask('expiry sweep', config.sweepIntervalMs, () => runUnderLock(this.lock, () => this.sweep()));
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onModuleDestroy(): void {
    this.task.stop();
  }

  private async sweep(): Promise<void> {
    try {
      const closed = await this.sessions.sweep();
      if (closed > 0 && !this.config.quiet) log('info', 'expiry sweep closed overdue sessions', { closed });
      await this.revokedTokens.purgeExpired();
    } catch (error) {
      // The database may be briefly away; the next tick tries again.
      log('warn', 'expiry sweep failed', { error: (error as Error).message });
    }
  }
}

function log(level: 'info' | 'warn', msg: string, fields: Record<string, unknown>): void {
  const line = `${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`;
  if (level === 'warn') process.stderr.write(line);
  else process.stdout.write(line);
}
