import { createSecretKey } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AuthUser } from '../common/authenticated-request';
import { AppSecrets } from '../config/app-secrets';
import { AuthError, AuthErrorCode } from './auth.errors';
import type { JwtPayload } from './jwt-payload';
import { RevokedTokensService } from './revoked-tokens.service';

/** Bearer tokens: HS256 only (so `alg: none` and other algorithms are refused), not expired, not revoked, user exists. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(
    @Inject(AppSecrets) secrets: AppSecrets,
    private readonly revokedTokens: RevokedTokensService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject, not the raw bytes: given bytes, jsonwebtoken first tries (and fails) to parse them as a
      // public key on every request, which cost a tenth of the server's CPU under load.
      // (jsonwebtoken accepts a KeyObject; passport-jwt's types only list string and Buffer.)
      secretOrKey: createSecretKey(secrets.jwtSecret) as unknown as Buffer,
      algorithms: ['HS256'],
      ignoreExpiration: false,
    });
  }

  async validate(payload: JwtPayload): Promise<AuthUser> {
    if (typeof payload.sub !== 'string' || typeof payload.jti !== 'string' || typeof payload.exp !== 'number') {
      throw new AuthError(AuthErrorCode.Unauthenticated);
    }
    const user = await this.revokedTokens.activeTokenUser(payload.sub, payload.jti);
    if (!user) throw new AuthError(AuthErrorCode.Unauthenticated);
    return { id: user.id, username: user.username, jti: payload.jti, exp: payload.exp };
  }
}
