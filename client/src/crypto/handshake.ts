/**
 * The identity-signed X25519 handshake (issue 7) and the file-key derivation.
 *
 * Each side sends HELLO {version, role, username, x25519, signature}; the signature is Ed25519 by its
 * long-term identity key over a domain-separated transcript that binds the session id, its role, its
 * X25519 key and both TLS certificate fingerprints. The file key is
 *   HKDF-SHA256(ikm = sessionKey || X25519 secret, salt = SHA-256(senderHello, receiverHello), info = label, ids)
 * so neither the server's session key nor the X25519 secret alone is enough.
 */
import { createHash, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, KeyObject, sign, verify } from 'node:crypto';
import { PROTOCOL_VERSION } from '../protocol/constants';
import { lengthPrefixed } from './encoding';
import { HandshakeError } from './errors';

export type Role = 'sender' | 'receiver';

export interface HelloMessage {
  version: number;
  role: Role;
  username: string;
  /** Base64 of the raw 32-byte X25519 public key. */
  x25519: string;
  /** Base64 Ed25519 signature over the HELLO transcript. */
  signature: string;
  /**
   * Present (true) when the author's user will confirm the verification phrase before any file byte
   * moves (`--verify`); the other side then waits for that confirmation. Covered by the signature.
   */
  verify?: true;
}

export interface EphemeralKey {
  privateKey: KeyObject;
  /** Raw 32-byte X25519 public key. */
  publicRaw: Buffer;
}

const HELLO_LABEL = 'sft/v1/hello';
const FILE_KEY_LABEL = 'sft/v1/file-key';
const PHRASE_LABEL = 'sft/v1/verification-phrase';
const VERIFY_MARK = 'verify';
const X25519_BYTES = 32;
const MAX_USERNAME = 64;

/** A fresh X25519 key pair for one connection. */
export function makeEphemeralKey(): EphemeralKey {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return { privateKey, publicRaw: Buffer.from(jwk.x as string, 'base64url') };
}

export interface HelloTranscript {
  sessionId: string;
  role: Role;
  /** Raw X25519 public key of the HELLO's author. */
  x25519: Buffer;
  /** TLS certificate fingerprint of the HELLO's author. */
  authorTlsFingerprint: string;
  /** TLS certificate fingerprint of the other side. */
  otherTlsFingerprint: string;
  /** The author asks to confirm the verification phrase (`--verify`); absent or false otherwise. */
  verify?: boolean;
}

/** The exact bytes a HELLO signature covers (a HELLO without `verify` signs what version 1 always signed). */
export function helloTranscript(t: HelloTranscript): Buffer {
  const base = [HELLO_LABEL, t.sessionId, t.role, t.x25519, t.authorTlsFingerprint, t.otherTlsFingerprint];
  return lengthPrefixed(...base, ...(t.verify ? [VERIFY_MARK] : []));
}

/** Builds and signs our HELLO. */
export function makeHello(
  t: HelloTranscript & { username: string; identityPrivateKey: KeyObject },
): HelloMessage {
  const signature = sign(null, helloTranscript(t), t.identityPrivateKey);
  return {
    version: PROTOCOL_VERSION,
    role: t.role,
    username: t.username,
    x25519: t.x25519.toString('base64'),
    signature: signature.toString('base64'),
    ...(t.verify ? { verify: true as const } : {}),
  };
}

/** Parses a HELLO payload and checks its shape. Throws HandshakeError('bad_hello'|'version'). */
export function parseHello(payload: Buffer): HelloMessage {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new HandshakeError('bad_hello', 'The peer sent a HELLO that is not JSON.');
  }
  const h = value as Partial<HelloMessage> | null;
  if (!h || typeof h !== 'object') throw new HandshakeError('bad_hello', 'The peer sent a malformed HELLO.');
  if (h.version !== PROTOCOL_VERSION) {
    throw new HandshakeError('version', `The peer speaks protocol version ${String(h.version)}; this sft speaks ${PROTOCOL_VERSION}.`);
  }
  const ok =
    (h.role === 'sender' || h.role === 'receiver') &&
    typeof h.username === 'string' &&
    h.username.length > 0 &&
    h.username.length <= MAX_USERNAME &&
    typeof h.x25519 === 'string' &&
    Buffer.from(h.x25519, 'base64').length === X25519_BYTES &&
    typeof h.signature === 'string' &&
    h.signature.length <= 128 &&
    (h.verify === undefined || h.verify === true);
  if (!ok) throw new HandshakeError('bad_hello', 'The peer sent a malformed HELLO.');
  return h as HelloMessage;
}

/**
 * Checks the peer's HELLO: the expected user and role, and the signature with the peer's identity key
 * over a transcript that includes both TLS fingerprints as we see them.
 */
export function verifyHello(
  hello: HelloMessage,
  expected: { sessionId: string; role: Role; username: string; identityPublicKey: KeyObject; peerTlsFingerprint: string; ownTlsFingerprint: string },
): void {
  if (hello.role !== expected.role) throw new HandshakeError('wrong_peer', `The peer claims the role "${hello.role}", expected "${expected.role}".`);
  if (hello.username !== expected.username) {
    throw new HandshakeError('wrong_peer', `The peer says it is "${hello.username}", expected "${expected.username}".`);
  }
  const transcript = helloTranscript({
    sessionId: expected.sessionId,
    role: hello.role,
    x25519: Buffer.from(hello.x25519, 'base64'),
    authorTlsFingerprint: expected.peerTlsFingerprint,
    otherTlsFingerprint: expected.ownTlsFingerprint,
    verify: hello.verify === true,
  });
  let valid = false;
  try {
    valid = verify(null, transcript, expected.identityPublicKey, Buffer.from(hello.signature, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) throw new HandshakeError('signature', `The HELLO from "${hello.username}" is not signed by their identity key.`);
}

/** X25519 with the low-order-point check: OpenSSL refuses an all-zero result itself; either way it is a weak key. */
function x25519SharedSecret(privateKey: KeyObject, publicKey: KeyObject): Buffer {
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey, publicKey });
  } catch {
    throw new HandshakeError('weak_key', 'The peer sent a degenerate X25519 key.');
  }
  if (shared.every((b) => b === 0)) throw new HandshakeError('weak_key', 'The peer sent a degenerate X25519 key.');
  return shared;
}

export interface DerivedSecrets {
  /** AES-256-GCM key for this connection's file stream. Secret. */
  fileKey: Buffer;
  /** Six digits ("123 456") both users can compare out of band. */
  verificationPhrase: string;
}

/** Derives the file key and the verification phrase from the session key, the X25519 exchange and both HELLOs. */
export function deriveSecrets(p: {
  sessionKey: Buffer;
  ephemeral: EphemeralKey;
  peerX25519: Buffer;
  /** Exact HELLO payload bytes of the sender and the receiver. */
  senderHello: Buffer;
  receiverHello: Buffer;
  sessionId: string;
  senderUsername: string;
  receiverUsername: string;
}): DerivedSecrets {
  const peerKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: p.peerX25519.toString('base64url') }, format: 'jwk' });
  const shared = x25519SharedSecret(p.ephemeral.privateKey, peerKey);
  const ikm = Buffer.concat([p.sessionKey, shared]);
  const salt = createHash('sha256').update(lengthPrefixed(p.senderHello, p.receiverHello)).digest();
  const ids = [p.sessionId, p.senderUsername, p.receiverUsername];
  const fileKey = Buffer.from(hkdfSync('sha256', ikm, salt, lengthPrefixed(FILE_KEY_LABEL, ...ids), 32));
  const phraseBytes = Buffer.from(hkdfSync('sha256', ikm, salt, lengthPrefixed(PHRASE_LABEL, ...ids), 8));
  ikm.fill(0);
  shared.fill(0);
  const n = (phraseBytes.readBigUInt64BE(0) % 1_000_000n).toString().padStart(6, '0');
  return { fileKey, verificationPhrase: `${n.slice(0, 3)} ${n.slice(3)}` };
}
