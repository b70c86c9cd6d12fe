import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppSecrets } from '../config/app-secrets';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwtStrategy } from './jwt.strategy';
import { LoginRateLimiter } from './login-rate-limiter';
import { RevokedToken } from './revoked-token.entity';
import { RevokedTokenRepository } from './revoked-token.repository';
import { RevokedTokensService } from './revoked-tokens.service';

@Module({
  imports: [
    UsersModule,
    PassportModule,
    TypeOrmModule.forFeature([RevokedToken]),
    JwtModule.registerAsync({
      inject: [AppSecrets],
      useFactory: (secrets: AppSecrets) => ({ secret: secrets.jwtSecret, signOptions: { algorithm: 'HS256' } }),
    }),
  ],
  controllers: [AuthController],
  providers: [AuthService, JwtStrategy, LoginRateLimiter, RevokedTokensService, RevokedTokenRepository],
  exports: [RevokedTokensService],
})
export class AuthModule {}
