import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { LookupLimiter } from '../common/lookup-limiter';
import type { DeliveryKeyView, PutDeliveryKeyDto } from './dto/delivery-key.dto';
import type { SigningKeyView } from './dto/signing-key.dto';
import type { User } from './user.entity';
import { UserRepository, type UserIdentity } from './user.repository';
import { isValidUsername, normalizeUsername } from './username';
import { UserError, UserErrorCode } from './users.errors';

/**
 * Accounts and their signing keys: names are case-insensitive, names that cannot exist are never looked up,
 * a name is taken once. User rows never leave this service except to AuthService. The SQL is in UserRepository.
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UserRepository,
    private readonly lookups: LookupLimiter,
  ) {}

  findById(id: string): Promise<User | null> {
    return this.users.findById(id);
  }

  /** Finds a user by (any-case) name; with `withPasswordHash` the hidden hash column is loaded too. */
  async findByUsername(username: string, withPasswordHash = false): Promise<User | null> {
    if (!isValidUsername(username)) return null;
    return this.users.findByUsername(normalizeUsername(username), withPasswordHash);
  }

  /** A user's id and (lowercase) name by any-case name, or null: one plain query, for the session path. */
  async findIdentity(username: string): Promise<UserIdentity | null> {
    if (!isValidUsername(username)) return null;
    return this.users.findIdentity(normalizeUsername(username));
  }

  /** A user's signing key (base64), or null when they have none or do not exist: one plain query. */
  findSigningKey(userId: string): Promise<string | null> {
    return this.users.findSigningKey(userId);
  }

  /**
   * Creates an account; `username_taken` when the name exists. The password is hashed (slow, on purpose)
   * only once the name is known to be free; if another registration takes the name meanwhile, the unique
   * index decides and the loser gets `username_taken` too.
   */
  async create(username: string, hashPassword: () => Promise<string>): Promise<User> {
    const name = normalizeUsername(username);
    await this.refuseTaken(name);
    const fields = { id: randomUUID(), username: name, passwordHash: await hashPassword(), signingKey: null, deliveryKey: null, deliveryKeySignature: null, createdAt: new Date() };
    try {
      return await this.users.insert(fields);
    } catch (error) {
      await this.refuseTaken(name);
      throw error;
    }
  }

  async setSigningKey(userId: string, publicKey: string): Promise<SigningKeyView> {
    const username = await this.users.setSigningKey(userId, publicKey);
    if (username === null) throw new UserError(UserErrorCode.UserNotFound);
    return toSigningKeyView(username, publicKey);
  }

  /** `callerId` asks for `username`'s key; unknown names count against the caller's lookup budget. */
  async getSigningKey(callerId: string, username: string): Promise<SigningKeyView> {
    const user = await this.lookUp(callerId, username);
    if (!user.signingKey) throw new UserError(UserErrorCode.SigningKeyMissing);
    return toSigningKeyView(user.username, user.signingKey);
  }

  /** Publishes my delivery key with its signature (senders check the signature; the server only stores it). */
  async setDeliveryKey(userId: string, body: PutDeliveryKeyDto): Promise<DeliveryKeyView> {
    const username = await this.users.setDeliveryKey(userId, body.publicKey, body.signature);
    if (username === null) throw new UserError(UserErrorCode.UserNotFound);
    return toDeliveryKeyView(username, body.publicKey, body.signature, await this.users.findSigningKey(userId));
  }

  /** `callerId` asks for `username`'s delivery key; unknown names count against the caller's lookup budget. */
  async getDeliveryKey(callerId: string, username: string): Promise<DeliveryKeyView> {
    const user = await this.lookUp(callerId, username);
    if (!user.deliveryKey || !user.deliveryKeySignature) throw new UserError(UserErrorCode.DeliveryKeyMissing);
    return toDeliveryKeyView(user.username, user.deliveryKey, user.deliveryKeySignature, user.signingKey);
  }

  /** `username`'s account for `callerId`; an unknown name is `user_not_found` and counts against the caller's budget. */
  private async lookUp(callerId: string, username: string): Promise<User> {
    await this.lookups.check(callerId);
    const user = await this.findByUsername(username);
    if (!user) {
      await this.lookups.miss(callerId);
      throw new UserError(UserErrorCode.UserNotFound);
    }
    return user;
  }

  private async refuseTaken(name: string): Promise<void> {
    if (await this.users.existsByUsername(name)) throw new UserError(UserErrorCode.UsernameTaken);
  }
}

function toSigningKeyView(username: string, publicKey: string): SigningKeyView {
  return { username, publicKey, fingerprint: fingerprintOf(publicKey) };
}

function toDeliveryKeyView(username: string, publicKey: string, signature: string, signingKey: string | null): DeliveryKeyView {
  return { username, publicKey, signature, fingerprint: fingerprintOf(publicKey), signingKey };
}

function fingerprintOf(publicKeyBase64: string): string {
  return createHash('sha256').update(Buffer.from(publicKeyBase64, 'base64')).digest('hex');
}
