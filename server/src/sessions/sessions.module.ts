import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { UsersModule } from '../users/users.module';
import { SessionChanges } from './session-changes';
import { SessionKeyCipher } from './session-key-cipher';
import { SessionRepository } from './session.repository';
import { SessionSweeper } from './session-sweeper';
import { Session } from './session.entity';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';

@Module({
  imports: [TypeOrmModule.forFeature([Session]), UsersModule, AuthModule],
  controllers: [SessionsController],
  providers: [SessionsService, SessionRepository, SessionKeyCipher, SessionChanges, SessionSweeper],
  exports: [SessionsService],
})
export class SessionsModule {}
