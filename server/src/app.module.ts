import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import { dataSourceOptions } from './database/data-source-options';
import { openAndMigrate } from './database/migrate-on-start';
import { AuthModule } from './auth/auth.module';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import { ErrorFilter } from './common/error.filter';
import { createValidationPipe } from './common/validation.pipe';
import type { AppConfig } from './config/app-config';
import type { AppSecrets } from './config/app-secrets';
import { ConfigModule } from './config/config.module';
import { DeliveriesModule } from './deliveries/deliveries.module';
import { HealthModule } from './health/health.module';
import { RedisModule } from './redis/redis.module';
import { RelayModule } from './relay/relay.module';
import type { RelaySettings } from './relay/relay-settings';
import { SessionsModule } from './sessions/sessions.module';
import { UsersModule } from './users/users.module';

/** The whole server: features plus the global pipe, guard and error filter. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, secrets: AppSecrets, relay: RelaySettings): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config, secrets),
        RedisModule.forRoot(config),
        TypeOrmModule.forRootAsync({
          useFactory: () => ({ ...dataSourceOptions(config.database), retryAttempts: 1, retryDelay: 1000 }),
          // Several servers may start at once on one MySQL database: they migrate one after another.
          dataSourceFactory: (options) => openAndMigrate(options as DataSourceOptions),
        }),
        AuthModule,
        UsersModule,
        SessionsModule,
        DeliveriesModule,
        HealthModule,
        RelayModule.forRoot(relay),
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_GUARD, useClass: JwtAuthGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
