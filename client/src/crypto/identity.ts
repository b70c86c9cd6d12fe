/**
 * Long-term Ed25519 identity keys: the CLI stores the private half (PKCS#8 PEM, mode 0600) and
 * uploads the public half to the server as base64 of the raw 32-byte key.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';

export interface GeneratedIdentity {
  /** PKCS#8 PEM of the Ed25519 private key. Secret. */
  privateKeyPem: string;
  /** Base64 of the raw 32-byte Ed25519 public key (what the server stores). */
  publicKeyBase64: string;
}

const RAW_KEY_BYTES = 32;

/** Makes a fresh Ed25519 identity key pair. */
export function generateIdentity(): GeneratedIdentity {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyBase64: rawPublicKey(publicKey).toString('base64'),
  };
}

/** The Ed25519 public key encoded as base64 of its raw 32 bytes. Throws on anything else. */
export function publicKeyFromBase64(b64: string): KeyObject {
  const raw = Buffer.from(b64, 'base64');
  if (raw.length !== RAW_KEY_BYTES || raw.toString('base64') !== b64) {
    throw new Error('An Ed25519 public key must be base64 of exactly 32 bytes.');
  }
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** The Ed25519 private key from PKCS#8 PEM. Throws if the PEM holds another kind of key. */
export function privateKeyFromPem(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('The identity key is not an Ed25519 private key.');
  return key;
}

/** Base64 of the raw public key of an Ed25519 key object (public or private). */
export function publicKeyToBase64(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return rawPublicKey(pub).toString('base64');
}

/** Lowercase hex SHA-256 of the raw 32-byte public key given as base64 (same as the server's `fingerprint`). */
export function keyFingerprint(publicKeyBase64: string): string {
  return createHash('sha256').update(Buffer.from(publicKeyBase64, 'base64')).digest('hex');
}

function rawPublicKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('Not an OKP public key.');
  return Buffer.from(jwk.x, 'base64url');
}
