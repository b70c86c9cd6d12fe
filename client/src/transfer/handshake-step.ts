/**
 * Runs the HELLO exchange on a channel: checks the TLS certificates against the context, sends our
 * signed HELLO, verifies the peer's, and derives the file key and verification phrase.
 */
import { createHash } from 'node:crypto';
import { TLSSocket } from 'node:tls';
import { HandshakeError } from '../crypto/errors';
import { deriveSecrets, makeEphemeralKey, makeHello, parseHello, verifyHello, type DerivedSecrets, type Role } from '../crypto/handshake';
import { FrameType } from '../protocol';
import type { Channel } from './channel';
import { TransferError } from './errors';
import type { TransferContext } from './types';

export async function runHandshake(channel: Channel, ctx: TransferContext, role: Role): Promise<DerivedSecrets> {
  if (channel.stream instanceof TLSSocket) checkTlsBinding(channel.stream, ctx);
  const ephemeral = makeEphemeralKey();
  const ownHello = Buffer.from(
    JSON.stringify(
      makeHello({
        sessionId: ctx.sessionId,
        role,
        username: ctx.self.username,
        identityPrivateKey: ctx.self.identityPrivateKey,
        x25519: ephemeral.publicRaw,
        authorTlsFingerprint: ctx.self.tlsFingerprint,
        otherTlsFingerprint: ctx.peer.tlsFingerprint,
      }),
    ),
    'utf8',
  );
  await channel.send(FrameType.Hello, ownHello);
  const peerHelloBytes = await channel.expect(FrameType.Hello);
  const peerRole: Role = role === 'sender' ? 'receiver' : 'sender';
  try {
    const peerHello = parseHello(peerHelloBytes);
    verifyHello(peerHello, {
      sessionId: ctx.sessionId,
      role: peerRole,
      username: ctx.peer.username,
      identityPublicKey: ctx.peer.identityPublicKey,
      peerTlsFingerprint: ctx.peer.tlsFingerprint,
      ownTlsFingerprint: ctx.self.tlsFingerprint,
    });
    const sender = role === 'sender' ? ctx.self.username : ctx.peer.username;
    const receiver = role === 'sender' ? ctx.peer.username : ctx.self.username;
    return deriveSecrets({
      sessionKey: ctx.sessionKey,
      ephemeral,
      peerX25519: Buffer.from(peerHello.x25519, 'base64'),
      senderHello: role === 'sender' ? ownHello : peerHelloBytes,
      receiverHello: role === 'sender' ? peerHelloBytes : ownHello,
      sessionId: ctx.sessionId,
      senderUsername: sender,
      receiverUsername: receiver,
    });
  } catch (err) {
    if (err instanceof HandshakeError) throw fromHandshakeError(err);
    throw err;
  }
}

/** The TLS link must use exactly the certificates named in the context (channel binding for the HELLO signatures). */
function checkTlsBinding(socket: TLSSocket, ctx: TransferContext): void {
  const peerRaw = socket.getPeerCertificate()?.raw;
  const ownRaw = socket.getCertificate() as { raw?: Buffer } | null;
  if (!peerRaw || sha256Hex(peerRaw) !== ctx.peer.tlsFingerprint) {
    throw new TransferError('tls', "The peer's TLS certificate is not the one the server announced.");
  }
  if (!ownRaw?.raw || sha256Hex(ownRaw.raw) !== ctx.self.tlsFingerprint) {
    throw new TransferError('tls', 'This connection does not use our own announced TLS certificate.');
  }
}

function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function fromHandshakeError(err: HandshakeError): TransferError {
  switch (err.code) {
    case 'version':
      return new TransferError('version', err.message);
    case 'signature':
    case 'wrong_peer':
      return new TransferError('signature', err.message);
    case 'bad_hello':
    case 'weak_key':
      return new TransferError('protocol', err.message);
  }
}
