import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { LinkPath, RelayMode, SessionDirection, SessionState } from './session-state';

/** A file as a participant reported it. */
export interface ReportedFile {
  name: string;
  size: number;
  crc32: string;
  sha256: string;
}

/** One participant's report, stored as JSON. */
export interface StoredReport {
  bytes: number;
  files: ReportedFile[];
  verified: boolean;
  reason: string | null;
  /** File bytes this side moved over the peer links, all attempts together (absent in reports before resume). */
  linkBytes?: number | null;
}

/** Byte counts are bigint columns; drivers return them as strings. */
const bigintAsNumber = {
  to: (value: number) => value,
  from: (value: string | number | null) => (value === null ? 0 : Number(value)),
};

/** The same for a nullable bigint column: NULL stays null. */
const nullableBigintAsNumber = {
  to: (value: number | null) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/** A transfer session. Rows stay inside SessionsService; callers get SessionView DTOs. */
@Entity('sessions')
@Index('idx_sessions_host', ['hostId'])
@Index('idx_sessions_joiner', ['joinerId'])
@Index('idx_sessions_state_expires', ['state', 'expiresAt'])
export class Session {
  /** Canonical form: 16 lowercase Crockford base32 characters, no dashes. */
  @PrimaryColumn({ type: 'varchar', length: 16 })
  id: string;

  @Column({ type: 'varchar', length: 16 })
  state: SessionState;

  @Column({ type: 'varchar', length: 16 })
  direction: SessionDirection;

  @Column({ name: 'host_id', type: 'varchar', length: 36 })
  hostId: string;

  @Column({ name: 'host_username', type: 'varchar', length: 32 })
  hostUsername: string;

  @Column({ name: 'joiner_id', type: 'varchar', length: 36, nullable: true })
  joinerId: string | null;

  @Column({ name: 'joiner_username', type: 'varchar', length: 32, nullable: true })
  joinerUsername: string | null;

  /** When set, only this user may join. */
  @Column({ name: 'invitee_id', type: 'varchar', length: 36, nullable: true })
  inviteeId: string | null;

  @Column({ name: 'invitee_username', type: 'varchar', length: 32, nullable: true })
  inviteeUsername: string | null;

  /** '' and 0 when the host has no direct endpoint (`--relay only`). */
  @Column({ name: 'endpoint_host', type: 'varchar', length: 255 })
  endpointHost: string;

  @Column({ name: 'endpoint_port', type: 'int' })
  endpointPort: number;

  /** More addresses the host may be dialled at, besides the endpoint: JSON `[{ host, port }]`, NULL for none. */
  @Column({ type: 'simple-json', nullable: true })
  candidates: { host: string; port: number }[] | null;

  /** The host's `--relay` mode. */
  @Column({ name: 'host_relay', type: 'varchar', length: 8, default: RelayMode.Auto })
  hostRelay: RelayMode;

  /** The path the transfer took, from the first report that names it; NULL before. */
  @Column({ type: 'varchar', length: 8, nullable: true })
  path: LinkPath | null;

  @Column({ name: 'host_certificate', type: 'text' })
  hostCertificate: string;

  @Column({ name: 'host_fingerprint', type: 'varchar', length: 64 })
  hostFingerprint: string;

  @Column({ name: 'joiner_certificate', type: 'text', nullable: true })
  joinerCertificate: string | null;

  @Column({ name: 'joiner_fingerprint', type: 'varchar', length: 64, nullable: true })
  joinerFingerprint: string | null;

  /** Files the host announced: JSON `[{ name, size }]`. */
  @Column({ type: 'simple-json' })
  files: { name: string; size: number }[];

  @Column({ name: 'sender_report', type: 'simple-json', nullable: true })
  senderReport: StoredReport | null;

  @Column({ name: 'receiver_report', type: 'simple-json', nullable: true })
  receiverReport: StoredReport | null;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  bytes: number;

  @Column({ type: 'varchar', length: 500, nullable: true })
  reason: string | null;

  /** AES-256-GCM of the session key under the master key (base64 of iv|tag|ciphertext); NULL once closed. */
  @Column({ name: 'encrypted_key', type: 'varchar', length: 128, nullable: true, select: false })
  encryptedKey: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  /** Unjoined: when it expires. Joined: when the transfer times out. Interrupted: when it must have resumed. */
  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt: Date;

  @Column({ name: 'joined_at', type: 'datetime', precision: 3, nullable: true })
  joinedAt: Date | null;

  @Column({ name: 'closed_at', type: 'datetime', precision: 3, nullable: true })
  closedAt: Date | null;

  /** The index of the current peer link: 0 for the first, one more at each interruption (issue 14). */
  @Column({ type: 'int', default: 0 })
  attempt: number;

  /** When the last interruption began; NULL if the link never dropped. */
  @Column({ name: 'interrupted_at', type: 'datetime', precision: 3, nullable: true })
  interruptedAt: Date | null;

  /** File bytes that crossed the peer links over all attempts: the receiver's report, else the sender's; NULL before. */
  @Column({ name: 'link_bytes', type: 'bigint', nullable: true, transformer: nullableBigintAsNumber })
  linkBytes: number | null;
}
