import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { PeriodicTask } from '../common/periodic-task';
import { AppConfig } from '../config/app-config';
import { REDIS_CONNECTION, type RedisConnection } from '../redis/redis-connection';
import { RedisLock, runUnderLock } from '../redis/redis-lock';
import { DeliveriesService } from './deliveries.service';

/** How long the lock lives if its holder dies mid-sweep (a sweep takes far less). */
const SWEEP_LOCK_TTL_MS = 60_000;

/**
 * Expires overdue deliveries and deletes their ciphertext, on the sessions' sweep interval. With Redis, one
 * server at a time sweeps (a lock of its own, beside the sessions' one); when Redis does not answer, each
 * server sweeps on its own: each close is conditional on the state it expects, and deleting a blob twice is harmless.
 */
@Injectable()
export class DeliverySweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;

  constructor(@Inject(AppConfig) config: AppConfig, deliveries: DeliveriesService, @Inject(REDIS_CONNECTION) redis: RedisConnection | null) {
    const lock = redis ? new RedisLock(redis, 'delivery-sweeper', SWEEP_LOCK_TTL_MS) : null;
    this.task = new PeriodicTask('delivery sweep', config.sweepIntervalMs, () => runUnderLock(lock, () => deliveries.sweep()));
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onModuleDestroy(): void {
    this.task.stop();
  }
}
