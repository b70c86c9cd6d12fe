/**
 * Runs the HELLO exchange on a channel: checks the TLS certificates against the context, sends our
 * signed HELLO, verifies the peer's, and derives the file key and verification phrase. Then, when
 * either side asked for it (`--verify`), the confirmation step: see `runConfirmation`.
 */
import { createHash } from 'node:crypto';
import { TLSSocket } from 'node:tls';
import { HandshakeError } from '../crypto/errors';
import { deriveSecrets, makeEphemeralKey, makeHello, parseHello, verifyHello, type DerivedSecrets, type Role } from '../crypto/handshake';
import { FrameType } from '../protocol';
import type { Channel } from './channel';
import { TransferError } from './errors';
import type { PhraseConfirmer, TransferContext, TransferEvents } from './types';

/** How long one side waits for the other side's user to confirm the verification phrase. */
export const CONFIRM_TIMEOUT_MS = 5 * 60_000;

export interface HandshakeResult extends DerivedSecrets {
  /** The peer's HELLO said its user will confirm the phrase before any file byte moves. */
  peerVerifies: boolean;
}

export async function runHandshake(channel: Channel, ctx: TransferContext, role: Role, verify = false): Promise<HandshakeResult> {
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
        verify,
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
    const secrets = deriveSecrets({
      sessionKey: ctx.sessionKey,
      ephemeral,
      peerX25519: Buffer.from(peerHello.x25519, 'base64'),
      senderHello: role === 'sender' ? ownHello : peerHelloBytes,
      receiverHello: role === 'sender' ? peerHelloBytes : ownHello,
      sessionId: ctx.sessionId,
      senderUsername: sender,
      receiverUsername: receiver,
    });
    return { ...secrets, peerVerifies: peerHello.verify === true };
  } catch (err) {
    if (err instanceof HandshakeError) throw fromHandshakeError(err);
    throw err;
  }
}

/**
 * The `--verify` step, after the HELLOs and before the MANIFEST (so before any file byte moves):
 * - a side with `confirm` asks its user; "no" sends ERROR `verification` and ends the transfer;
 * - a receiver that confirmed answers RESULT {ok:true, confirmed:true}; a sender whose receiver
 *   verifies waits for that RESULT (up to CONFIRM_TIMEOUT_MS) before sending the MANIFEST;
 * - a receiver whose sender verifies waits for the MANIFEST up to CONFIRM_TIMEOUT_MS.
 * Returns the read timeout the receiver should use for the MANIFEST (undefined: the idle timeout).
 */
export async function runConfirmation(
  channel: Channel,
  role: Role,
  handshake: HandshakeResult,
  confirm: PhraseConfirmer | undefined,
  events: TransferEvents,
): Promise<number | undefined> {
  if (handshake.peerVerifies) events.onPeerConfirming?.();
  if (confirm) await askUser(channel, handshake.verificationPhrase, confirm);
  if (role === 'receiver') {
    if (confirm) await channel.sendJson(FrameType.Result, { ok: true, confirmed: true });
    return handshake.peerVerifies ? CONFIRM_TIMEOUT_MS : undefined;
  }
  if (handshake.peerVerifies) {
    const answer = await channel.expectJson<{ ok?: unknown; confirmed?: unknown }>(FrameType.Result, CONFIRM_TIMEOUT_MS);
    if (answer.ok !== true || answer.confirmed !== true) {
      throw new TransferError('protocol', 'The receiver answered the verification step with something other than a confirmation.');
    }
  }
  return undefined;
}

/** Asks the user, giving up when the peer goes away or after CONFIRM_TIMEOUT_MS. */
async function askUser(channel: Channel, phrase: string, confirm: PhraseConfirmer): Promise<void> {
  const controller = new AbortController();
  let why: 'closed' | 'timeout' | undefined;
  const onClose = () => {
    why ??= 'closed';
    controller.abort();
  };
  const timer = setTimeout(() => {
    why ??= 'timeout';
    controller.abort();
  }, CONFIRM_TIMEOUT_MS);
  channel.stream.once('close', onClose);
  channel.stream.once('end', onClose);
  let matches: boolean;
  try {
    matches = await confirm(phrase, controller.signal);
  } catch (err) {
    if (!why) throw err;
    channel.throwIfPeerReported(); // the peer's ERROR (e.g. its user said no) says more than "closed"
    throw why === 'timeout'
      ? new TransferError('timeout', `Nobody confirmed the verification phrase within ${CONFIRM_TIMEOUT_MS / 60_000} minutes.`)
      : new TransferError('peer_closed', 'The peer closed the connection while you were confirming the verification phrase.');
  } finally {
    clearTimeout(timer);
    channel.stream.off('close', onClose);
    channel.stream.off('end', onClose);
  }
  if (!matches) {
    throw new TransferError('verification', 'The verification phrase was rejected: the two sides do not see the same phrase, so someone may be in the middle.');
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
