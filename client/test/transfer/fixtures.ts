/** Test fixtures for the transfer core: generated identities, contexts and an in-memory duplex pair. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex, PassThrough, type Transform } from 'node:stream';
import { generateIdentity, privateKeyFromPem, publicKeyFromBase64 } from '../../src/crypto/identity';
import type { TransferContext } from '../../src/transfer';

export interface Party {
  username: string;
  privateKey: ReturnType<typeof privateKeyFromPem>;
  publicKey: ReturnType<typeof publicKeyFromBase64>;
  tlsFingerprint: string;
}

export function makeParty(username: string, tlsFingerprint = randomBytes(32).toString('hex')): Party {
  const id = generateIdentity();
  return { username, privateKey: privateKeyFromPem(id.privateKeyPem), publicKey: publicKeyFromBase64(id.publicKeyBase64), tlsFingerprint };
}

/** Matching contexts for a sender and a receiver of one session. */
export function makeContexts(
  sender = makeParty('alice'),
  receiver = makeParty('bob'),
  sessionKey = randomBytes(32),
  sessionId = 'k3v9-2mxq-8d4r-tz1a',
): { sender: TransferContext; receiver: TransferContext; sessionKey: Buffer; parties: { sender: Party; receiver: Party } } {
  const asSelf = (p: Party) => ({ username: p.username, identityPrivateKey: p.privateKey, identityPublicKey: p.publicKey, tlsFingerprint: p.tlsFingerprint });
  const asPeer = (p: Party) => ({ username: p.username, identityPublicKey: p.publicKey, tlsFingerprint: p.tlsFingerprint });
  return {
    sender: { sessionId, sessionKey, self: asSelf(sender), peer: asPeer(receiver) },
    receiver: { sessionId, sessionKey, self: asSelf(receiver), peer: asPeer(sender) },
    sessionKey,
    parties: { sender, receiver },
  };
}

/**
 * Two connected in-memory duplexes. Bytes from `a` to `b` pass through `aToB` when given (to tamper or
 * record in flight).
 */
export function duplexPair(aToB?: Transform, bToA?: Transform): [Duplex, Duplex] {
  const ab = new PassThrough();
  const ba = new PassThrough();
  const bReadable = aToB ? ab.pipe(aToB) : ab;
  const aReadable = bToA ? ba.pipe(bToA) : ba;
  const a = Duplex.from({ readable: aReadable, writable: ab });
  const b = Duplex.from({ readable: bReadable, writable: ba });
  return [a, b];
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'sft-transfer-test-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every file under `dir`, relative, with '/' separators (to check nothing was left behind). */
export async function listTree(dir: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name).slice(dir.length + 1).split('\\').join('/'))
    .sort();
}
