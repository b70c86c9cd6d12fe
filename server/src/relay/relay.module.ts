import { type DynamicModule, Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module';
import { RelaySettings } from './relay-settings';
import { RelayTicketsController } from './relay-tickets.controller';
import { RelayTicketsService } from './relay-tickets.service';

/** Relay tickets (`POST /sessions/:id/relay-ticket`). The relay itself is relay/src, outside NestJS. */
@Module({})
export class RelayModule {
  static forRoot(settings: RelaySettings): DynamicModule {
    return {
      module: RelayModule,
      imports: [SessionsModule],
      controllers: [RelayTicketsController],
      providers: [RelayTicketsService, { provide: RelaySettings, useValue: settings }],
    };
  }
}
