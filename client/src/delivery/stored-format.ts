/**
 * The stored format of an offline delivery (issue 13; docs/protocol.md "Stored deliveries"). The blob the
 * server keeps is, for files 0…n-1 in manifest order, each file's chunks exactly as the live stream seals
 * them (AES-256-GCM, STREAM nonces, `chunk-cipher.ts`), then one sealed trailer as "file" n:
 *   trailer plaintext = for each file: CRC32 (u32 BE) ‖ SHA-256 (32 bytes), then the Ed25519 signature (64 bytes)
 * The chunk AAD's id is `delivery/<id>`, so chunks cannot move between deliveries or into a live session.
 * Every length follows from the file sizes, so the receiver knows where each chunk ends without framing.
 *
 * File key = HKDF-SHA256(ikm = server key ‖ X25519(sender ephemeral, recipient delivery key),
 *   salt = SHA-256(LP(ephemeral public, delivery public)), info = LP("sft/v1/delivery-file-key", id, sender, recipient)).
 * The server (and its database) holds the server key and the ephemeral public key, never the X25519 secret.
 */
import { createHash, createPublicKey, diffieHellman, hkdfSync, type KeyObject } from 'node:crypto';
import { lengthPrefixed } from '../crypto/encoding';
import { chunkCount, TAG_SIZE } from '../transfer/chunk-cipher';
import { TransferError } from '../transfer/errors';
import type { ManifestEntry } from '../transfer/manifest';
import type { FileSummary } from '../transfer/types';
import { x25519ToBase64 } from '../crypto/delivery-key';

const FILE_KEY_LABEL = 'sft/v1/delivery-file-key';
const DIGEST_BYTES = 4 + 32;
const SIGNATURE_BYTES = 64;

/** The id chunk AADs and the signature are bound to (never equal to a live session's id). */
export function streamId(deliveryId: string): string {
  return `delivery/${deliveryId}`;
}

/** Plaintext bytes of the trailer of `fileCount` files. */
export function trailerSize(fileCount: number): number {
  return fileCount * DIGEST_BYTES + SIGNATURE_BYTES;
}

/** Ciphertext bytes of one file: its size plus a tag per chunk. */
export function sealedFileSize(size: number): number {
  return size + chunkCount(size) * TAG_SIZE;
}

/** The whole blob's size for these files. */
export function blobSize(files: ManifestEntry[]): number {
  return files.reduce((sum, f) => sum + sealedFileSize(f.size), 0) + trailerSize(files.length) + TAG_SIZE;
}

export function encodeTrailer(files: FileSummary[], signature: Buffer): Buffer {
  const parts = files.map((f) => {
    const digest = Buffer.alloc(DIGEST_BYTES);
    digest.writeUInt32BE(Number.parseInt(f.crc32, 16), 0);
    Buffer.from(f.sha256, 'hex').copy(digest, 4);
    return digest;
  });
  return Buffer.concat([...parts, signature]);
}

export function decodeTrailer(data: Buffer, fileCount: number): { digests: { crc32: string; sha256: string }[]; signature: Buffer } {
  if (data.length !== trailerSize(fileCount)) throw new TransferError('integrity', 'The delivery trailer has the wrong length.');
  const digests = [];
  for (let i = 0; i < fileCount; i++) {
    const at = i * DIGEST_BYTES;
    digests.push({ crc32: data.readUInt32BE(at).toString(16).padStart(8, '0'), sha256: data.subarray(at + 4, at + DIGEST_BYTES).toString('hex') });
  }
  return { digests, signature: data.subarray(fileCount * DIGEST_BYTES) };
}

export interface FileKeyInput {
  /** The delivery's 32-byte server key. Secret. */
  serverKey: Buffer;
  /** Our X25519 private key: the sender's ephemeral one, or the recipient's delivery key. */
  privateKey: KeyObject;
  /** The other X25519 public key (base64 raw): the recipient's delivery key, or the sender's ephemeral one. */
  peerPublicKey: string;
  /** Which of the two is the sender's ephemeral key decides the salt's order. */
  role: 'sender' | 'recipient';
  deliveryId: string;
  sender: string;
  recipient: string;
}

/** The file key of one delivery, the same on both sides. */
export function deliveryFileKey(input: FileKeyInput): Buffer {
  const peer = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(input.peerPublicKey, 'base64').toString('base64url') }, format: 'jwk' });
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey: input.privateKey, publicKey: peer });
  } catch {
    throw new TransferError('integrity', 'The delivery carries a degenerate X25519 key.');
  }
  if (shared.every((b) => b === 0)) throw new TransferError('integrity', 'The delivery carries a degenerate X25519 key.');
  const own = Buffer.from(x25519ToBase64(input.privateKey), 'base64');
  const other = Buffer.from(input.peerPublicKey, 'base64');
  const [ephemeral, delivery] = input.role === 'sender' ? [own, other] : [other, own];
  const salt = createHash('sha256').update(lengthPrefixed(ephemeral, delivery)).digest();
  const info = lengthPrefixed(FILE_KEY_LABEL, input.deliveryId, input.sender, input.recipient);
  const key = Buffer.from(hkdfSync('sha256', Buffer.concat([input.serverKey, shared]), salt, info, 32));
  shared.fill(0);
  return key;
}
