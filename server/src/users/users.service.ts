import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuthError, AuthErrorCode } from '../auth/auth.errors';
import { LookupLimiter } from '../common/lookup-limiter';
import type { SigningKeyView } from './dto/signing-key.dto';
import { User } from './user.entity';
import { isValidUsername, normalizeUsername } from './username';
import { UserError, UserErrorCode } from './users.errors';

/** Accounts and their signing keys. User rows never leave this service except to AuthService. */
@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly lookups: LookupLimiter,
  ) {}

  findById(id: string): Promise<User | null> {
    return this.users.findOne({ where: { id } });
  }

  /** Finds a user by (any-case) name; with `withPasswordHash` the hidden hash column is loaded too. */
  async findByUsername(username: string, withPasswordHash = false): Promise<User | null> {
    if (!isValidUsername(username)) return null;
    const select = withPasswordHash
      ? { id: true, username: true, passwordHash: true, signingKey: true, createdAt: true }
      : undefined;
    return this.users.findOne({ where: { username: normalizeUsername(username) }, select });
  }

  /** A user's id and (lowercase) name by any-case name, or null: one plain query, for the session path. */
  async findIdentity(username: string): Promise<{ id: string; username: string } | null> {
    if (!isValidUsername(username)) return null;
    const rows: { id: string; username: string }[] = await this.users.manager.query(
      'SELECT id, username FROM users WHERE username = ?',
      [normalizeUsername(username)],
    );
    return rows.length === 1 ? { id: rows[0].id, username: rows[0].username } : null;
  }

  /** A user's signing key (base64), or null when they have none or do not exist: one plain query. */
  async findSigningKey(userId: string): Promise<string | null> {
    const rows: { signing_key: string | null }[] = await this.users.manager.query(
      'SELECT signing_key FROM users WHERE id = ?',
      [userId],
    );
    return rows[0]?.signing_key ?? null;
  }

  /** Creates an account; `username_taken` when the name exists. */
  async create(username: string, passwordHash: string): Promise<User> {
    const name = normalizeUsername(username);
    if (await this.users.exists({ where: { username: name } })) throw new AuthError(AuthErrorCode.UsernameTaken);
    const user = this.users.create({ id: randomUUID(), username: name, passwordHash, signingKey: null, createdAt: new Date() });
    try {
      await this.users.insert(user);
    } catch (error) {
      // Two registrations of one name at once: the unique index decides.
      if (await this.users.exists({ where: { username: name } })) throw new AuthError(AuthErrorCode.UsernameTaken);
      throw error;
    }
    return user;
  }

  async setSigningKey(userId: string, publicKey: string): Promise<SigningKeyView> {
    await this.users.update({ id: userId }, { signingKey: publicKey });
    const user = await this.users.findOneOrFail({ where: { id: userId } });
    return toSigningKeyView(user.username, publicKey);
  }

  /** `callerId` asks for `username`'s key; unknown names count against the caller's lookup budget. */
  async getSigningKey(callerId: string, username: string): Promise<SigningKeyView> {
    this.lookups.check(callerId);
    const user = await this.findByUsername(username);
    if (!user) {
      this.lookups.miss(callerId);
      throw new UserError(UserErrorCode.UserNotFound);
    }
    if (!user.signingKey) throw new UserError(UserErrorCode.SigningKeyMissing);
    return toSigningKeyView(user.username, user.signingKey);
  }
}

export function toSigningKeyView(username: string, publicKey: string): SigningKeyView {
  const fingerprint = createHash('sha256').update(Buffer.from(publicKey, 'base64')).digest('hex');
  return { username, publicKey, fingerprint };
}
