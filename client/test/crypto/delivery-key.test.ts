import { describe, expect, it } from 'vitest';
import { generateDeliveryKey, signDeliveryKey, verifyDeliveryKey, x25519FromBase64, x25519PrivateFromPem, x25519ToBase64 } from '../../src/crypto/delivery-key';
import { generateIdentity, privateKeyFromPem, publicKeyFromBase64 } from '../../src/crypto/identity';

describe('delivery keys', () => {
  const identity = generateIdentity();
  const identityPrivate = privateKeyFromPem(identity.privateKeyPem);
  const identityPublic = publicKeyFromBase64(identity.publicKeyBase64);

  it('makes an X25519 pair whose PEM and base64 halves belong together', () => {
    const made = generateDeliveryKey();
    expect(Buffer.from(made.publicKey, 'base64')).toHaveLength(32);
    expect(x25519ToBase64(x25519PrivateFromPem(made.privateKeyPem))).toBe(made.publicKey);
    expect(x25519ToBase64(x25519FromBase64(made.publicKey))).toBe(made.publicKey);
  });

  it('verifies a key signed by the identity key for that user, in any case of the name', () => {
    const { publicKey } = generateDeliveryKey();
    const signature = signDeliveryKey(identityPrivate, 'Bob', publicKey);
    expect(verifyDeliveryKey(identityPublic, 'bob', publicKey, signature)).toBe(true);
  });

  it('refuses another key, another user, another signer or a garbled signature', () => {
    const { publicKey } = generateDeliveryKey();
    const signature = signDeliveryKey(identityPrivate, 'bob', publicKey);
    expect(verifyDeliveryKey(identityPublic, 'bob', generateDeliveryKey().publicKey, signature)).toBe(false);
    expect(verifyDeliveryKey(identityPublic, 'mallory', publicKey, signature)).toBe(false);
    expect(verifyDeliveryKey(publicKeyFromBase64(generateIdentity().publicKeyBase64), 'bob', publicKey, signature)).toBe(false);
    expect(verifyDeliveryKey(identityPublic, 'bob', publicKey, 'AAAA')).toBe(false);
  });

  it('refuses an Ed25519 PEM as a delivery key and a short key', () => {
    expect(() => x25519PrivateFromPem(identity.privateKeyPem)).toThrow(/X25519/);
    expect(() => x25519FromBase64(Buffer.alloc(31).toString('base64'))).toThrow();
  });
});
