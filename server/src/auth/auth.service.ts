import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { AuthUser } from '../common/authenticated-request';
import { AppConfig } from '../config/app-config';
import { normalizeUsername } from '../users/username';
import { UsersService } from '../users/users.service';
import { AuthError, AuthErrorCode } from './auth.errors';
import type { LoginDto, RegisterDto } from './dto/credentials.dto';
import type { LoginView, MeView, UserView } from './dto/auth-views.dto';
import { LoginRateLimiter } from './login-rate-limiter';
import { PasswordHasher } from './password-hasher';
import { RevokedTokensService } from './revoked-tokens.service';

/** Register, log in (rate-limited, same answer and timing for unknown users), log out, who am I. */
@Injectable()
export class AuthService {
  private readonly hasher: PasswordHasher;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly jwt: JwtService,
    private readonly revokedTokens: RevokedTokensService,
    private readonly rateLimiter: LoginRateLimiter,
  ) {
    this.hasher = new PasswordHasher(config.bcryptCost);
  }

  async register(body: RegisterDto, address: string): Promise<UserView> {
    await this.rateLimiter.consumeRegister(address);
    const user = await this.users.create(body.username, () => this.hasher.hash(body.password));
    return { id: user.id, username: user.username };
  }

  async login(body: LoginDto, address: string): Promise<LoginView> {
    const username = normalizeUsername(body.username);
    await this.rateLimiter.consumeLogin(username, address);
    const user = await this.users.findByUsername(body.username, true);
    const ok = await this.hasher.verify(body.password, user?.passwordHash ?? null);
    if (!user || !ok) throw new AuthError(AuthErrorCode.InvalidCredentials);
    await this.rateLimiter.resetAccount(username);
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.config.tokenTtlSeconds;
    const token = await this.jwt.signAsync({ sub: user.id, username: user.username, jti: randomUUID(), iat: now, exp });
    return { token, expiresAt: new Date(exp * 1000).toISOString(), user: { id: user.id, username: user.username } };
  }

  async logout(user: AuthUser): Promise<void> {
    await this.revokedTokens.revoke(user.jti, user.exp);
  }

  async me(user: AuthUser): Promise<MeView> {
    const row = await this.users.findById(user.id);
    if (!row) throw new AuthError(AuthErrorCode.Unauthenticated);
    return { id: row.id, username: row.username, signingKey: row.signingKey };
  }
}
