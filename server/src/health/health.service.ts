import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RequestError, RequestErrorCode } from '../common/app-error';
import { REDIS_CONNECTION, type RedisConnection } from '../redis/redis-connection';
import type { HealthView } from './dto/health-view.dto';

const DATABASE_TIMEOUT_MS = 3000;

@Injectable()
export class HealthService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(REDIS_CONNECTION) private readonly redis: RedisConnection | null,
  ) {}

  /**
   * Runs `SELECT 1` (a failure or no answer within 3 s is `database_unavailable`) and, with Redis configured,
   * PING: a Redis that does not answer makes the server `degraded` (limits fail closed), not unavailable.
   */
  async check(): Promise<HealthView> {
    const [, redisUp] = await Promise.all([this.checkDatabase(), this.redis?.answers()]);
    if (redisUp === undefined) return { status: 'ok', database: 'up' };
    return { status: redisUp ? 'ok' : 'degraded', database: 'up', redis: redisUp ? 'up' : 'down' };
  }

  private async checkDatabase(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RequestError(RequestErrorCode.DatabaseUnavailable)), DATABASE_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.dataSource.query('SELECT 1'), timeout]);
    } catch {
      throw new RequestError(RequestErrorCode.DatabaseUnavailable);
    } finally {
      clearTimeout(timer);
    }
  }
}
