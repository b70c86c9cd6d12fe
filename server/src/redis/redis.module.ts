import { type DynamicModule, Global, Module } from '@nestjs/common';
import { COUNTER_STORE, MemoryCounterStore } from '../common/counter-store';
import type { AppConfig } from '../config/app-config';
import { REDIS_CONNECTION, RedisConnection } from './redis-connection';
import { RedisCounterStore } from './redis-counter-store';

/**
 * The shared fast state of several servers. With SFT_REDIS_URL: the Redis connection (null otherwise) and
 * the rate-limit counters in Redis; without it, counters in this process, as for one server.
 */
@Global()
@Module({})
export class RedisModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: RedisModule,
      providers: [
        {
          provide: REDIS_CONNECTION,
          useFactory: () => (config.redisUrl ? RedisConnection.open(config.redisUrl, config.redisPrefix) : null),
        },
        {
          provide: COUNTER_STORE,
          useFactory: (redis: RedisConnection | null) => (redis ? new RedisCounterStore(redis) : new MemoryCounterStore()),
          inject: [REDIS_CONNECTION],
        },
      ],
      exports: [REDIS_CONNECTION, COUNTER_STORE],
    };
  }
}
