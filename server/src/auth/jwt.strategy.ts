import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AuthUser } from '../common/authenticated-request';
import { AppSecrets } from '../config/app-secrets';
import { UsersService } from '../users/users.service';
import { AuthError, AuthErrorCode } from './auth.errors';
import type { JwtPayload } from './jwt-payload';
import { RevokedTokensService } from './revoked-tokens.service';

/** Bearer tokens: HS256 only (so `alg: none` and other algorithms are refused), not expired, not revoked, user exists. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(
    @Inject(AppSecrets) secrets: AppSecrets,
    private readonly users: UsersService,
    private readonly revokedTokens: RevokedTokensService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: secrets.jwtSecret,
      algorithms: ['HS256'],
      ignoreExpiration: false,
    });
  }

  async validate(payload: JwtPayload): Promise<AuthUser> {
    if (typeof payload.sub !== 'string' || typeof payload.jti !== 'string' || typeof payload.exp !== 'number') {
      throw new AuthError(AuthErrorCode.Unauthenticated);
    }
    if (await this.revokedTokens.isRevoked(payload.jti)) throw new AuthError(AuthErrorCode.Unauthenticated);
    const user = await this.users.findById(payload.sub);
    if (!user) throw new AuthError(AuthErrorCode.Unauthenticated);
    return { id: user.id, username: user.username, jti: payload.jti, exp: payload.exp };
  }
}
