import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An account. Rows stay inside UsersService/AuthService; callers get DTOs. */
@Entity('users')
export class User {
  /** A random UUID. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** Lowercase, unique. */
  @Column({ type: 'varchar', length: 32, unique: true })
  username: string;

  /** bcrypt of base64(SHA-256(password)). Never selected unless asked for. */
  @Column({ name: 'password_hash', type: 'varchar', length: 100, select: false })
  passwordHash: string;

  /** Base64 of the raw 32-byte Ed25519 public key, or null before the user uploads one. */
  @Column({ name: 'signing_key', type: 'varchar', length: 44, nullable: true })
  signingKey: string | null;

  /** Base64 of the raw 32-byte X25519 public key senders of stored deliveries encrypt to, or null. */
  @Column({ name: 'delivery_key', type: 'varchar', length: 44, nullable: true })
  deliveryKey: string | null;

  /** Base64 of the Ed25519 signature (identity key) over the delivery key; checked by senders, not by us. */
  @Column({ name: 'delivery_key_signature', type: 'varchar', length: 88, nullable: true })
  deliveryKeySignature: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
