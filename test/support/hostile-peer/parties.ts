/** Generated identities and matching transfer contexts for a sender "alice" and a receiver "bob". */
import { randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { generateIdentity, privateKeyFromPem, publicKeyFromBase64 } from '../../../client/src/crypto/identity';
import type { TransferContext } from '../../../client/src/transfer';

export interface Party {
  username: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  tlsFingerprint: string;
}

/** A user with a fresh Ed25519 identity; the TLS fingerprint is random unless a real certificate's is given. */
export function makeParty(username: string, tlsFingerprint = randomBytes(32).toString('hex')): Party {
  const id = generateIdentity();
  return { username, privateKey: privateKeyFromPem(id.privateKeyPem), publicKey: publicKeyFromBase64(id.publicKeyBase64), tlsFingerprint };
}

export interface Contexts {
  sender: TransferContext;
  receiver: TransferContext;
  sessionId: string;
  sessionKey: Buffer;
  parties: { sender: Party; receiver: Party };
}

/** The two sides' views of one session (same session id and key). */
export function makeContexts(
  sender = makeParty('alice'),
  receiver = makeParty('bob'),
  { sessionId = 'k3v9-2mxq-8d4r-tz1a', sessionKey = randomBytes(32) }: { sessionId?: string; sessionKey?: Buffer } = {},
): Contexts {
  return {
    sender: { sessionId, sessionKey, self: asSelf(sender), peer: asPeer(receiver) },
    receiver: { sessionId, sessionKey, self: asSelf(receiver), peer: asPeer(sender) },
    sessionId,
    sessionKey,
    parties: { sender, receiver },
  };
}

function asSelf(p: Party): TransferContext['self'] {
  return { username: p.username, identityPrivateKey: p.privateKey, identityPublicKey: p.publicKey, tlsFingerprint: p.tlsFingerprint };
}

function asPeer(p: Party): TransferContext['peer'] {
  return { username: p.username, identityPublicKey: p.publicKey, tlsFingerprint: p.tlsFingerprint };
}
