/**
 * The trailer signature: Ed25519 by the sender's identity key over the session id, both usernames
 * and every file's name, size, CRC32 and SHA-256, in manifest order.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { lengthPrefixed } from '../crypto/encoding';
import type { FileSummary } from './types';

const LABEL = 'sft/v1/manifest-signature';

export interface SignedTransfer {
  sessionId: string;
  sender: string;
  receiver: string;
  /** Signed: name, size, crc32 and sha256 of each (`savedAs` is local and not signed). */
  files: FileSummary[];
}

/** The exact bytes the trailer signature covers. */
export function manifestSignatureBytes(t: SignedTransfer): Buffer {
  const fields: string[] = [LABEL, t.sessionId, t.sender, t.receiver, String(t.files.length)];
  for (const f of t.files) fields.push(f.name, String(f.size), f.crc32, f.sha256);
  return lengthPrefixed(...fields);
}

export function signTransfer(t: SignedTransfer, identityPrivateKey: KeyObject): string {
  return sign(null, manifestSignatureBytes(t), identityPrivateKey).toString('base64');
}

export function verifyTransfer(t: SignedTransfer, signatureBase64: string, identityPublicKey: KeyObject): boolean {
  try {
    return verify(null, manifestSignatureBytes(t), identityPublicKey, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}

const RESUME_LABEL = 'sft/v1/resume-digests';

/** One file of a DIGESTS frame as signed: its manifest entry and the SHA-256 of each of its first `digests.length` chunks. */
export interface SignedPrefix {
  index: number;
  name: string;
  size: number;
  mtime: number;
  /** Lowercase hex SHA-256 of each plaintext chunk, from chunk 0. */
  digests: string[];
}

export interface SignedDigests {
  sessionId: string;
  sender: string;
  receiver: string;
  files: SignedPrefix[];
}

/** The exact bytes the DIGESTS signature covers (docs/protocol.md, "Resume"). */
export function resumeDigestsBytes(t: SignedDigests): Buffer {
  const fields: (string | Buffer)[] = [RESUME_LABEL, t.sessionId, t.sender, t.receiver, String(t.files.length)];
  for (const f of t.files) {
    const index = Buffer.alloc(4);
    index.writeUInt32BE(f.index, 0);
    fields.push(index, f.name, String(f.size), String(f.mtime), String(f.digests.length), Buffer.from(f.digests.join(''), 'hex'));
  }
  return lengthPrefixed(...fields);
}

export function signResumeDigests(t: SignedDigests, identityPrivateKey: KeyObject): string {
  return sign(null, resumeDigestsBytes(t), identityPrivateKey).toString('base64');
}

export function verifyResumeDigests(t: SignedDigests, signatureBase64: string, identityPublicKey: KeyObject): boolean {
  try {
    return verify(null, resumeDigestsBytes(t), identityPublicKey, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}
