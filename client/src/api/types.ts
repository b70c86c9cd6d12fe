/** Shapes of the server API (docs/api.md). */

export type SessionState = 'waiting' | 'joined' | 'completed' | 'failed' | 'cancelled' | 'expired';
export type Direction = 'host-sends' | 'host-receives';

export interface Endpoint {
  host: string;
  port: number;
}

export interface SessionView {
  id: string;
  state: SessionState;
  direction: Direction;
  host: string;
  joiner: string | null;
  invitee: string | null;
  endpoint: Endpoint;
  hostCertificate: string;
  hostFingerprint: string;
  joinerCertificate: string | null;
  joinerFingerprint: string | null;
  files: { name: string; size: number }[] | null;
  bytes: number;
  reason: string | null;
  createdAt: string;
  expiresAt: string;
  closedAt: string | null;
}

export interface LoginAnswer {
  token: string;
  expiresAt: string;
  user: { id: string | number; username: string };
}

export interface MeAnswer {
  id: string | number;
  username: string;
  signingKey: string | null;
}

export interface SigningKeyAnswer {
  username: string;
  publicKey: string;
  fingerprint: string;
}

export interface CreateSessionBody {
  direction: Direction;
  invitee?: string;
  endpoint: Endpoint;
  certificate: string;
  files?: { name: string; size: number }[];
}

export interface SessionWithKey {
  session: SessionView;
  /** Base64 of the 32-byte session key. Secret. */
  key: string;
}

export interface JoinAnswer extends SessionWithKey {
  hostSigningKey: string;
}

export interface FileDigest {
  name: string;
  size: number;
  crc32: string;
  sha256: string;
}

export interface ReportBody {
  role: 'sender' | 'receiver';
  bytes: number;
  files: FileDigest[];
  verified: boolean;
  reason?: string;
}

/** States after which a session will not change again. */
export const CLOSED_STATES: readonly SessionState[] = ['completed', 'failed', 'cancelled', 'expired'];
