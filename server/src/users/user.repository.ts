import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { User } from './user.entity';

/** A user's id and (lowercase) name: all the session and token paths need of an account. */
export interface UserIdentity {
  id: string;
  username: string;
}

/**
 * The SQL of the `users` table, and nothing else: names arrive normalized, rules live in UsersService.
 * The lookups on the request path are plain SQL (the same text on SQLite and MySQL).
 */
@Injectable()
export class UserRepository {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  findById(id: string): Promise<User | null> {
    return this.users.findOne({ where: { id } });
  }

  /** With `withPasswordHash` the hidden hash column is loaded too. */
  findByUsername(username: string, withPasswordHash = false): Promise<User | null> {
    const select = withPasswordHash
      ? { id: true, username: true, passwordHash: true, signingKey: true, deliveryKey: true, deliveryKeySignature: true, createdAt: true }
      : undefined;
    return this.users.findOne({ where: { username }, select });
  }

  async findIdentity(username: string): Promise<UserIdentity | null> {
    const rows: UserIdentity[] = await this.users.manager.query('SELECT id, username FROM users WHERE username = ?', [username]);
    return rows.length === 1 ? { id: rows[0].id, username: rows[0].username } : null;
  }

  async findSigningKey(id: string): Promise<string | null> {
    const rows: { signing_key: string | null }[] = await this.users.manager.query('SELECT signing_key FROM users WHERE id = ?', [id]);
    return rows[0]?.signing_key ?? null;
  }

  existsByUsername(username: string): Promise<boolean> {
    return this.users.exists({ where: { username } });
  }

  /** Inserts a new account; the unique index on `username` refuses a second one of the same name. */
  async insert(fields: User): Promise<User> {
    const user = this.users.create(fields);
    await this.users.insert(user);
    return user;
  }

  /** Sets the signing key and answers the user's name, or null when there is no such user. */
  async setSigningKey(id: string, signingKey: string): Promise<string | null> {
    await this.users.update({ id }, { signingKey });
    return (await this.users.findOne({ where: { id } }))?.username ?? null;
  }

  /** Sets the delivery key and its signature; answers the user's name, or null when there is no such user. */
  async setDeliveryKey(id: string, deliveryKey: string, deliveryKeySignature: string): Promise<string | null> {
    await this.users.update({ id }, { deliveryKey, deliveryKeySignature });
    return (await this.users.findOne({ where: { id } }))?.username ?? null;
  }
}
