import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateIdentity, privateKeyFromPem, publicKeyFromBase64 } from '../../src/crypto/identity';
import { deriveSecrets, makeEphemeralKey, makeHello, parseHello, verifyHello } from '../../src/crypto/handshake';

const SESSION = 'sess-1';
const FP_A = 'a'.repeat(64);
const FP_B = 'b'.repeat(64);

function identity() {
  const id = generateIdentity();
  return { priv: privateKeyFromPem(id.privateKeyPem), pub: publicKeyFromBase64(id.publicKeyBase64) };
}

function senderHello(priv = identity().priv) {
  const eph = makeEphemeralKey();
  const hello = makeHello({ sessionId: SESSION, role: 'sender', username: 'alice', identityPrivateKey: priv, x25519: eph.publicRaw, authorTlsFingerprint: FP_A, otherTlsFingerprint: FP_B });
  return { eph, hello };
}

const expectation = (pub: ReturnType<typeof identity>['pub']) => ({
  sessionId: SESSION,
  role: 'sender' as const,
  username: 'alice',
  identityPublicKey: pub,
  peerTlsFingerprint: FP_A,
  ownTlsFingerprint: FP_B,
});

describe(verifyHello.name, () => {
  it('accepts a HELLO signed by the expected identity key', () => {
    const alice = identity();
    const { hello } = senderHello(alice.priv);
    expect(() => verifyHello(hello, expectation(alice.pub))).not.toThrow();
  });

  it('refuses a HELLO signed by another identity key', () => {
    const alice = identity();
    const { hello } = senderHello(identity().priv);
    expect(() => verifyHello(hello, expectation(alice.pub))).toThrow(expect.objectContaining({ code: 'signature' }));
  });

  it('refuses a HELLO made for other TLS certificates', () => {
    const alice = identity();
    const { hello } = senderHello(alice.priv);
    expect(() => verifyHello(hello, { ...expectation(alice.pub), ownTlsFingerprint: 'c'.repeat(64) })).toThrow(
      expect.objectContaining({ code: 'signature' }),
    );
  });

  it('refuses a HELLO whose X25519 key was swapped', () => {
    const alice = identity();
    const { hello } = senderHello(alice.priv);
    const swapped = { ...hello, x25519: makeEphemeralKey().publicRaw.toString('base64') };
    expect(() => verifyHello(swapped, expectation(alice.pub))).toThrow(expect.objectContaining({ code: 'signature' }));
  });

  it('refuses a HELLO from an unexpected username', () => {
    const alice = identity();
    const { hello } = senderHello(alice.priv);
    expect(() => verifyHello(hello, { ...expectation(alice.pub), username: 'mallory' })).toThrow(expect.objectContaining({ code: 'wrong_peer' }));
  });
});

describe(parseHello.name, () => {
  it('refuses another protocol version', () => {
    const { hello } = senderHello();
    expect(() => parseHello(Buffer.from(JSON.stringify({ ...hello, version: 99 })))).toThrow(expect.objectContaining({ code: 'version' }));
  });

  it('refuses a HELLO with a short X25519 key', () => {
    const { hello } = senderHello();
    expect(() => parseHello(Buffer.from(JSON.stringify({ ...hello, x25519: 'AAAA' })))).toThrow(expect.objectContaining({ code: 'bad_hello' }));
  });
});

describe(deriveSecrets.name, () => {
  const sessionKey = randomBytes(32);
  const a = makeEphemeralKey();
  const b = makeEphemeralKey();
  const helloA = Buffer.from('hello-a');
  const helloB = Buffer.from('hello-b');
  const common = { sessionKey, senderHello: helloA, receiverHello: helloB, sessionId: SESSION, senderUsername: 'alice', receiverUsername: 'bob' };

  it('gives both sides the same file key and phrase', () => {
    const fromA = deriveSecrets({ ...common, ephemeral: a, peerX25519: b.publicRaw });
    const fromB = deriveSecrets({ ...common, ephemeral: b, peerX25519: a.publicRaw });
    expect(fromA.fileKey.equals(fromB.fileKey)).toBe(true);
    expect(fromA.verificationPhrase).toBe(fromB.verificationPhrase);
    expect(fromA.verificationPhrase).toMatch(/^\d{3} \d{3}$/);
  });

  it('gives a different key for another session key (the X25519 secret alone is not enough)', () => {
    const real = deriveSecrets({ ...common, ephemeral: a, peerX25519: b.publicRaw });
    const other = deriveSecrets({ ...common, sessionKey: randomBytes(32), ephemeral: a, peerX25519: b.publicRaw });
    expect(real.fileKey.equals(other.fileKey)).toBe(false);
  });

  it('gives a different key when a HELLO differs', () => {
    const real = deriveSecrets({ ...common, ephemeral: a, peerX25519: b.publicRaw });
    const other = deriveSecrets({ ...common, receiverHello: Buffer.from('hello-x'), ephemeral: a, peerX25519: b.publicRaw });
    expect(real.fileKey.equals(other.fileKey)).toBe(false);
  });

  it('refuses an all-zero (low-order) peer key', () => {
    expect(() => deriveSecrets({ ...common, ephemeral: a, peerX25519: Buffer.alloc(32) })).toThrow();
  });
});
