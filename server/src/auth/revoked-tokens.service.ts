import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { RevokedToken } from './revoked-token.entity';

/** Logged-out token ids, remembered until the token would have expired. */
@Injectable()
export class RevokedTokensService {
  constructor(@InjectRepository(RevokedToken) private readonly revoked: Repository<RevokedToken>) {}

  async revoke(jti: string, expiresAtSeconds: number): Promise<void> {
    if (await this.isRevoked(jti)) return;
    await this.revoked.insert({ jti, expiresAt: new Date(expiresAtSeconds * 1000) });
  }

  isRevoked(jti: string): Promise<boolean> {
    return this.revoked.exists({ where: { jti } });
  }

  /** Forgets ids of tokens that have expired anyway. */
  async purgeExpired(now = new Date()): Promise<void> {
    await this.revoked.delete({ expiresAt: LessThan(now) });
  }
}
