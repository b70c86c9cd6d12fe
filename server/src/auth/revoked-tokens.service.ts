import { Injectable } from '@nestjs/common';
import type { UserIdentity } from '../users/user.repository';
import { RevokedTokenRepository } from './revoked-token.repository';

/** Logged-out token ids, remembered until the token would have expired. The SQL is in RevokedTokenRepository. */
@Injectable()
export class RevokedTokensService {
  constructor(private readonly revoked: RevokedTokenRepository) {}

  /** Revoking twice (a retried logout) is not an error. */
  async revoke(jti: string, expiresAtSeconds: number): Promise<void> {
    if (await this.revoked.exists(jti)) return;
    await this.revoked.insert(jti, new Date(expiresAtSeconds * 1000));
  }

  /** The user a token names, or null when the token id is revoked or the user does not exist. */
  activeTokenUser(userId: string, jti: string): Promise<UserIdentity | null> {
    return this.revoked.findActiveTokenUser(userId, jti);
  }

  /** Forgets ids of tokens that have expired anyway. */
  async purgeExpired(now = new Date()): Promise<void> {
    await this.revoked.deleteExpiredBefore(now);
  }
}
