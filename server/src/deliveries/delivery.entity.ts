import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DeliveryState } from './delivery-state';

/** Byte counts are bigint columns; drivers return them as strings. */
const bigintAsNumber = {
  to: (value: number) => value,
  from: (value: string | number | null) => (value === null ? 0 : Number(value)),
};

/**
 * A stored delivery's metadata. The ciphertext itself is in the BlobStore, never in the database.
 * Rows stay inside DeliveriesService; callers get DeliveryView DTOs.
 */
@Entity('deliveries')
@Index('idx_deliveries_sender', ['senderId'])
@Index('idx_deliveries_recipient', ['recipientId'])
@Index('idx_deliveries_state_expires', ['state', 'expiresAt'])
export class Delivery {
  /** Canonical form: 16 lowercase Crockford base32 characters, no dashes (as session ids). */
  @PrimaryColumn({ type: 'varchar', length: 16 })
  id: string;

  @Column({ type: 'varchar', length: 16 })
  state: DeliveryState;

  @Column({ name: 'sender_id', type: 'varchar', length: 36 })
  senderId: string;

  @Column({ name: 'sender_username', type: 'varchar', length: 32 })
  senderUsername: string;

  @Column({ name: 'recipient_id', type: 'varchar', length: 36 })
  recipientId: string;

  @Column({ name: 'recipient_username', type: 'varchar', length: 32 })
  recipientUsername: string;

  /** The files as the sender announced them: JSON `[{ name, size }]` (plaintext sizes). */
  @Column({ type: 'simple-json' })
  files: { name: string; size: number }[];

  /** Size of the ciphertext blob the sender declared; the upload must be exactly this long. */
  @Column({ type: 'bigint', transformer: bigintAsNumber })
  bytes: number;

  @Column({ name: 'part_count', type: 'int' })
  partCount: number;

  /** Parts stored so far (the next index the upload expects). */
  @Column({ name: 'uploaded_parts', type: 'int' })
  uploadedParts: number;

  /** The sender's ephemeral X25519 public key for this delivery (base64); useless without the recipient's private key. */
  @Column({ name: 'ephemeral_key', type: 'varchar', length: 44 })
  ephemeralKey: string;

  /** Fingerprint of the recipient's delivery key the sender encrypted to. */
  @Column({ name: 'recipient_key_fingerprint', type: 'varchar', length: 64 })
  recipientKeyFingerprint: string;

  /** AES-256-GCM of the delivery's server key under the master key; NULL once closed. */
  @Column({ name: 'encrypted_key', type: 'varchar', length: 128, nullable: true, select: false })
  encryptedKey: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  reason: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt: Date;

  @Column({ name: 'ready_at', type: 'datetime', precision: 3, nullable: true })
  readyAt: Date | null;

  @Column({ name: 'closed_at', type: 'datetime', precision: 3, nullable: true })
  closedAt: Date | null;
}
