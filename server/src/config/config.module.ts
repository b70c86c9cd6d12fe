import { type DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config';
import { AppSecrets } from './app-secrets';

/** Makes the validated configuration and the secrets injectable everywhere. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig, secrets: AppSecrets): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: AppSecrets, useValue: secrets },
      ],
      exports: [AppConfig, AppSecrets],
    };
  }
}
