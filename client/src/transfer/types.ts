/** The shapes the CLI passes to and gets from sendFiles / receiveFiles. */
import type { KeyObject } from 'node:crypto';
import type { FileDigests } from './digests';
import type { ManifestEntry } from './manifest';

export interface TransferParty {
  username: string;
  /** Only for ourselves: the long-term Ed25519 identity private key. */
  identityPrivateKey?: KeyObject;
  /** The Ed25519 identity public key (for the peer: as the server holds it and as pinned). */
  identityPublicKey: KeyObject;
  /** Lowercase hex SHA-256 of this party's ephemeral TLS certificate (DER). */
  tlsFingerprint: string;
}

export interface TransferContext {
  sessionId: string;
  /** The 32-byte session key from the server. Secret. */
  sessionKey: Buffer;
  self: Required<TransferParty>;
  peer: TransferParty;
}

/**
 * One file of a transfer: its manifest entry and the digests of its plaintext. The same shape is
 * signed in the TRAILER (without `savedAs`) and reported to the server.
 */
export interface FileSummary extends ManifestEntry, FileDigests {
  /** Receiver only: the absolute path the file was saved to. */
  savedAs?: string;
}

/** What a finished send or receive tells us. */
export interface TransferSummary {
  /** File bytes of the whole transfer (every file's size). */
  bytes: number;
  /** Plaintext bytes of the CHUNKs that crossed this link (this attempt). */
  linkBytes: number;
  /** File bytes not sent again on this link because an earlier attempt's verified prefix was kept (resume). */
  resumedBytes: number;
  files: FileSummary[];
  verificationPhrase: string;
}

/**
 * Asks the local user whether `phrase` matches the one the peer shows (`--verify`). Resolves true to
 * go on, false to refuse; `signal` aborts when the peer goes away or the confirmation times out.
 */
export type PhraseConfirmer = (phrase: string, signal: AbortSignal) => Promise<boolean>;

export interface TransferEvents {
  onHandshake?(info: { verificationPhrase: string }): void;
  /** The peer asked to confirm the phrase (`--verify`): we wait for its user before any file byte moves. */
  onPeerConfirming?(): void;
  onManifest?(files: { name: string; size: number }[]): void;
  /**
   * Both sides, once the resume negotiation is over (every attempt, the first too): `resumedBytes` of the
   * transfer's `bytes` are kept from an earlier attempt and do not cross this link.
   */
  onResume?(info: { resumedBytes: number; bytes: number }): void;
  /**
   * Sender: the TRAILER signing this summary is handed to the link now. From here on the receiver may verify
   * and keep the files although the link drops before its RESULT reaches us; the session runner then learns
   * it from the server (issue 14). The summary is what the receiver checks the signature against.
   */
  onTrailer?(summary: TransferSummary): void;
  /** Bytes done and total over the whole transfer, and the file being moved. */
  onProgress?(done: number, total: number, file: string): void;
  onFileDone?(f: FileSummary): void;
  /** A CHUNK's plaintext crossed this link (sent, or received and opened): `bytes` of it. */
  onChunk?(bytes: number): void;
  /**
   * Something the user should know: the sender skipped a file (e.g. a symlink inside a directory), or
   * (both sides) a file changed at the sender since the last attempt and starts over.
   */
  onNote?(message: string): void;
}
