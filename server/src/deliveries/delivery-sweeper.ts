import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { PeriodicTask } from '../common/periodic-task';
import { AppConfig } from '../config/app-config';
import { DeliveriesService } from './deliveries.service';

/** Expires overdue deliveries and deletes their ciphertext, on the sessions' sweep interval. */
@Injectable()
export class DeliverySweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;

  constructor(@Inject(AppConfig) config: AppConfig, deliveries: DeliveriesService) {
    this.task = new PeriodicTask('delivery sweep', config.sweepIntervalMs, () => deliveries.sweep());
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onModuleDestroy(): void {
    this.task.stop();
  }
}
