import { createHash, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateIdentity, keyFingerprint, privateKeyFromPem, publicKeyFromBase64, publicKeyToBase64 } from '../../src/crypto/identity';

describe(generateIdentity.name, () => {
  it('makes a key pair whose halves sign and verify together', () => {
    const id = generateIdentity();
    const signature = sign(null, Buffer.from('x'), privateKeyFromPem(id.privateKeyPem));
    expect(verify(null, Buffer.from('x'), publicKeyFromBase64(id.publicKeyBase64), signature)).toBe(true);
  });

  it('encodes the public key as base64 of 32 raw bytes', () => {
    expect(Buffer.from(generateIdentity().publicKeyBase64, 'base64')).toHaveLength(32);
  });

  it('derives the same public key from the private key', () => {
    const id = generateIdentity();
    expect(publicKeyToBase64(privateKeyFromPem(id.privateKeyPem))).toBe(id.publicKeyBase64);
  });
});

describe(publicKeyFromBase64.name, () => {
  it('refuses a key that is not 32 bytes', () => {
    expect(() => publicKeyFromBase64(Buffer.alloc(31).toString('base64'))).toThrow(/32 bytes/);
  });
});

describe(privateKeyFromPem.name, () => {
  it('refuses a PEM that holds another kind of key', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const pem = generateKeyPairSync('x25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => privateKeyFromPem(pem)).toThrow(/Ed25519/);
  });
});

describe(keyFingerprint.name, () => {
  it('is the lowercase hex SHA-256 of the raw key', () => {
    const id = generateIdentity();
    const expected = createHash('sha256').update(Buffer.from(id.publicKeyBase64, 'base64')).digest('hex');
    expect(keyFingerprint(id.publicKeyBase64)).toBe(expected);
  });
});
