/**
 * Delivery keys (issue 13): a long-term X25519 key pair per account and machine that senders of stored
 * deliveries encrypt to. The public half is published signed by the account's Ed25519 identity key over
 * LP("sft/v1/delivery-key", username, raw public key), so a sender who pinned the identity key can tell a
 * delivery key the user made from one the server made up.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { lengthPrefixed } from './encoding';

const LABEL = 'sft/v1/delivery-key';
const RAW_BYTES = 32;

export interface GeneratedDeliveryKey {
  /** PKCS#8 PEM of the X25519 private key. Secret. */
  privateKeyPem: string;
  /** Base64 of the raw 32-byte X25519 public key. */
  publicKey: string;
}

export function generateDeliveryKey(): GeneratedDeliveryKey {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return { privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), publicKey: x25519ToBase64(publicKey) };
}

/** Base64 of the raw public key of an X25519 key object (public or private). */
export function x25519ToBase64(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = pub.export({ format: 'jwk' });
  if (jwk.crv !== 'X25519' || typeof jwk.x !== 'string') throw new Error('Not an X25519 key.');
  return Buffer.from(jwk.x, 'base64url').toString('base64');
}

/** The X25519 public key given as base64 of its raw 32 bytes. Throws on anything else. */
export function x25519FromBase64(b64: string): KeyObject {
  const raw = Buffer.from(b64, 'base64');
  if (raw.length !== RAW_BYTES || raw.toString('base64') !== b64) throw new Error('An X25519 public key must be base64 of exactly 32 bytes.');
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** The X25519 private key from PKCS#8 PEM. Throws if the PEM holds another kind of key. */
export function x25519PrivateFromPem(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'x25519') throw new Error('The delivery key is not an X25519 private key.');
  return key;
}

function signedBytes(username: string, publicKey: string): Buffer {
  return lengthPrefixed(LABEL, username.toLowerCase(), Buffer.from(publicKey, 'base64'));
}

/** Base64 Ed25519 signature by `identityPrivateKey` over `username`'s delivery key. */
export function signDeliveryKey(identityPrivateKey: KeyObject, username: string, publicKey: string): string {
  return sign(null, signedBytes(username, publicKey), identityPrivateKey).toString('base64');
}

/** True when `signature` is `username`'s identity key signing this delivery key. */
export function verifyDeliveryKey(identityPublicKey: KeyObject, username: string, publicKey: string, signature: string): boolean {
  try {
    return verify(null, signedBytes(username, publicKey), identityPublicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
