/**
 * The CLI's one doorway to the peer link and the transfer engine (client/src/peer, client/src/transfer):
 * turns stored keys into the transfer context and transfer events into reporter output.
 */
import type { Duplex } from 'node:stream';
import type { KeyAndCert } from '../../../certs/src/x509';
import { privateKeyFromPem, publicKeyFromBase64, publicKeyToBase64 } from '../crypto/identity';
import { dialPeer, listenForPeer } from '../peer';
import { formatBytes } from '../report/format';
import type { Progress, Reporter } from '../report/reporter';
import { displayName } from '../transfer/names';
import { receiveFiles } from '../transfer/receiver';
import { sendFiles } from '../transfer/sender';
import type { PhraseConfirmer, TransferContext, TransferEvents } from '../transfer/types';
import type { TransferOutcome } from './session-flow';

export interface PeerCertificate {
  certificatePem: string;
  fingerprint: string;
}

export interface LinkContext {
  sessionId: string;
  /** Base64 session key from the server. Secret. */
  sessionKey: string;
  me: { username: string; privateKeyPem: string };
  /** The peer's identity public key, base64, already checked against the pin. */
  peer: { username: string; publicKey: string };
  ownCertFingerprint: string;
  peerCertFingerprint: string;
  /** `--verify`: confirms the verification phrase with the user before any file byte moves. */
  confirmPhrase?: PhraseConfirmer;
}

export interface JoinerListener {
  port: number;
  /** Waits for the joiner's TLS connection, accepting only `peer`'s certificate. */
  accept(peer: PeerCertificate, timeoutMs: number): Promise<Duplex>;
  close(): void;
}

/** Listens for the joiner before we know them: their certificate arrives later, via the server. */
export async function listenForJoiner(options: { host: string; port: number; own: KeyAndCert }): Promise<JoinerListener> {
  let resolvePeer: (peer: PeerCertificate) => void = () => undefined;
  const expectedPeer = new Promise<PeerCertificate>((resolve) => (resolvePeer = resolve));
  const listener = await listenForPeer({ host: options.host, port: options.port, own: options.own, expectedPeer });
  return {
    port: listener.port,
    accept: (peer, timeoutMs) => {
      resolvePeer(peer);
      return listener.accept(timeoutMs);
    },
    close: () => void listener.close(),
  };
}

/** Dials the host, accepting only its exact certificate. */
export function dialHost(options: { host: string; port: number; own: KeyAndCert; peer: PeerCertificate }): Promise<Duplex> {
  return dialPeer(options);
}

export async function sendOverLink(socket: Duplex, context: LinkContext, paths: string[], reporter: Reporter): Promise<TransferOutcome> {
  const tracker = progressEvents(reporter, 'sent', context.peer.username);
  const outcome = await sendFiles(socket, toTransferContext(context), paths, tracker.events, { confirmPhrase: context.confirmPhrase });
  tracker.finish();
  return outcome;
}

export async function receiveOverLink(
  socket: Duplex,
  context: LinkContext,
  options: { outDir: string; overwrite: boolean },
  reporter: Reporter,
): Promise<TransferOutcome> {
  const tracker = progressEvents(reporter, 'received', context.peer.username);
  const outcome = await receiveFiles(socket, toTransferContext(context), { ...options, confirmPhrase: context.confirmPhrase }, tracker.events);
  tracker.finish();
  return outcome;
}

function toTransferContext(context: LinkContext): TransferContext {
  const privateKey = privateKeyFromPem(context.me.privateKeyPem);
  return {
    sessionId: context.sessionId,
    sessionKey: Buffer.from(context.sessionKey, 'base64'),
    self: {
      username: context.me.username,
      identityPrivateKey: privateKey,
      identityPublicKey: publicKeyFromBase64(publicKeyOf(context)),
      tlsFingerprint: context.ownCertFingerprint,
    },
    peer: {
      username: context.peer.username,
      identityPublicKey: publicKeyFromBase64(context.peer.publicKey),
      tlsFingerprint: context.peerCertFingerprint,
    },
  };
}

function publicKeyOf(context: LinkContext): string {
  return publicKeyToBase64(privateKeyFromPem(context.me.privateKeyPem));
}

/** Transfer events → one progress bar over the whole transfer plus a line per finished file. */
function progressEvents(reporter: Reporter, verb: 'sent' | 'received', peer: string): { events: TransferEvents; finish(): void } {
  let progress: Progress | undefined;
  const events: TransferEvents = {
    onHandshake: ({ verificationPhrase }) =>
      reporter.step('handshake', { phrase: verificationPhrase }, `Connected. Verification phrase: ${verificationPhrase}`),
    onPeerConfirming: () =>
      reporter.step('peer-confirming', { peer }, `Waiting for ${peer} to confirm that they see the same verification phrase`),
    onManifest: (files) => {
      const total = files.reduce((sum, file) => sum + file.size, 0);
      // Every true name (escaped for the terminal) and the total, before any byte is written.
      reporter.step('manifest', { files: files.length, bytes: total, names: files.map((f) => f.name) }, [
        `${files.length} file(s), ${formatBytes(total)} to be ${verb}:`,
        ...files.map((file) => `  ${displayName(file.name)}  ${formatBytes(file.size)}`),
      ]);
      progress = reporter.progress(verb === 'sent' ? 'sending' : 'receiving', total);
    },
    onProgress: (done) => progress?.update(done),
    onFileDone: (file) => reporter.step('file-done', { name: file.name, size: file.size }, `${verb} ${displayName(file.name)}`),
    onNote: (message) => reporter.warn(message),
  };
  return { events, finish: () => progress?.finish() };
}
