import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { DeliveriesService } from './deliveries.service';

/** Expires overdue deliveries and deletes their ciphertext on the session sweep's timer (unref'd). */
@Injectable()
export class DeliverySweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly deliveries: DeliveriesService,
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
      await this.deliveries.sweep();
    } catch (error) {
      process.stderr.write(`${JSON.stringify({ level: 'warn', msg: 'delivery sweep failed', error: (error as Error).message })}\n`);
    } finally {
      this.running = false;
    }
  }
}
