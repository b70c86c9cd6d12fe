/**
 * The client end of the relay line (docs/protocol.md "The relay line"): TLS to the relay, verified like
 * the server (the server's CA, or the system's roots), the opening line with the ticket, then nothing
 * until the relay's `ok\n`. What comes back is a plain byte pipe to the other participant, over which
 * the peers run their usual pinned TLS 1.3 (`tls.connect({ socket })` / `new TLSSocket(socket, { isServer })`).
 *
 * Not wired into host-session/join yet (issue 12, phase 2: the race between direct and relayed paths).
 */
import type { Duplex } from 'node:stream';
import { connect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { KeyAndCert } from '../../../certs/src/x509';
import { openingLine, parseRelayUrl, type RelayAddress } from '../../../relay/src/opening-line';
import { PeerLinkError } from './errors';
import { assertCertificateMatches, derMatches, pinnedTlsOptions } from './pinning';
import type { PeerCertificate } from './types';

/** Default time from dialing the relay to its `ok` (the other participant must connect within it too). */
export const DEFAULT_RELAY_TIMEOUT_MS = 60_000;
/** Longest answer line the relay sends. */
const MAX_ANSWER = 512;

export interface RelayConnectOptions {
  /** `tls://host:port`, as the server's ticket answer names it. */
  relayUrl: string;
  /** The ticket text from `POST /sessions/:id/relay-ticket`. */
  ticket: string;
  /** PEM of the CA that issued the relay's certificate (the server's CA); undefined = the system's roots. */
  ca?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Resolves with the relay socket once the relay said `ok`, paused, with any bytes that came after
 * `ok\n` put back: the caller's TLS (or its own 'data' listener followed by `resume()`) reads them. Rejects with PeerLinkError: 'unreachable' when the relay cannot
 * be reached, refuses (its `error:` reason is in the message) or the other side does not come in time;
 * 'tls' when the relay's certificate is not trusted.
 */
export function connectRelay(opts: RelayConnectOptions): Promise<Duplex> {
  const relay: RelayAddress = parseRelayUrl(opts.relayUrl, 'relay url');
  const where = `${relay.host}:${relay.port}`;
  return new Promise((resolve, reject) => {
    let settled = false;
    const socket = connect({
      host: relay.host,
      port: relay.port,
      servername: /^[\d.]+$|:/.test(relay.host) ? undefined : relay.host,
      ca: opts.ca,
      minVersion: 'TLSv1.2',
    });
    const fail = (error: PeerLinkError) => {
      if (settled) return;
      settled = true;
      cleanUp();
      socket.destroy();
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new PeerLinkError('unreachable', `The relay at ${where} did not pair us with the peer in time.`)),
      opts.timeoutMs ?? DEFAULT_RELAY_TIMEOUT_MS,
    );
    const onAbort = () => fail(new PeerLinkError('unreachable', 'Cancelled while waiting for the relay.'));
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    let answer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      answer = Buffer.concat([answer, chunk]);
      const newline = answer.indexOf(0x0a);
      if (newline === -1) {
        if (answer.length > MAX_ANSWER) fail(new PeerLinkError('unreachable', `The relay at ${where} sent a malformed answer.`));
        return;
      }
      const line = answer.subarray(0, newline).toString('utf8');
      if (line === 'ok') {
        settled = true;
        cleanUp();
        socket.pause();
        const rest = answer.subarray(newline + 1);
        if (rest.length > 0) socket.unshift(rest);
        resolve(socket);
        return;
      }
      const reason = /^error: (.{1,200})$/.exec(line)?.[1].replace(/[^\x20-\x7e]/g, '?');
      fail(new PeerLinkError('unreachable', reason ? `The relay at ${where} refused: ${reason}.` : `The relay at ${where} sent a malformed answer.`));
    };
    const onError = (error: NodeJS.ErrnoException) => {
      const code = error.code ?? '';
      if (/CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS/.test(code)) {
        fail(new PeerLinkError('tls', `The relay at ${where} presented a certificate we do not trust (${code}).`, { cause: error }));
      } else {
        fail(new PeerLinkError('unreachable', `Could not reach the relay at ${where} (${code || error.message}).`, { cause: error }));
      }
    };
    const onClose = () => fail(new PeerLinkError('unreachable', `The relay at ${where} closed the connection before pairing us.`));
    const cleanUp = () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
      socket.on('error', () => undefined); // later errors surface through the caller's reads and writes
    };
    socket.once('secureConnect', () => socket.write(openingLine(opts.ticket)));
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('close', onClose);
  });
}

export interface RelayedLinkOptions {
  /** The pipe from connectRelay. */
  socket: Duplex;
  /** The host is the TLS server, the joiner the TLS client — as on the direct link. */
  role: 'host' | 'joiner';
  own: KeyAndCert;
  peer: PeerCertificate;
  timeoutMs?: number;
}

/**
 * The peers' usual pinned TLS 1.3 (pinning.ts: our certificate, the peer's exact certificate as the only
 * `ca`, and the SHA-256 compared once more) over a relayed pipe. The relay sees only TLS records.
 */
export function securePinnedOverRelay(opts: RelayedLinkOptions): Promise<TLSSocket> {
  assertCertificateMatches(opts.peer);
  const tlsOptions = pinnedTlsOptions(opts.own, opts.peer);
  return new Promise((resolve, reject) => {
    let settled = false;
    let pinMismatch = false;
    let socket: TLSSocket | null = null;
    const timer = setTimeout(
      () => fail(new PeerLinkError('timeout', 'The TLS handshake with the peer through the relay timed out.')),
      opts.timeoutMs ?? DEFAULT_RELAY_TIMEOUT_MS,
    );
    const fail = (error: PeerLinkError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.destroy();
      opts.socket.destroy();
      reject(error);
    };
    const onError = (error: Error) =>
      fail(new PeerLinkError('tls', pinMismatch
        ? 'The peer presented a certificate other than the pinned one; refused.'
        : `Secure connection to the peer through the relay failed: ${error.message}`, { cause: error }));
    const done = (secured: TLSSocket) => {
      if (settled) return secured.destroy();
      if (!derMatches(secured.getPeerCertificate().raw, opts.peer.fingerprint)) {
        pinMismatch = true;
        return onError(new Error('pin mismatch'));
      }
      settled = true;
      clearTimeout(timer);
      secured.off('error', onError);
      secured.on('error', () => undefined); // later errors surface through reads and writes (see FrameReader)
      resolve(secured);
    };
    if (opts.role === 'joiner') {
      socket = connect({
        socket: opts.socket,
        ...tlsOptions,
        servername: 'sft-peer',
        checkServerIdentity: (_host, cert) => {
          if (derMatches(cert.raw, opts.peer.fingerprint)) return undefined;
          pinMismatch = true;
          return new Error("The peer's certificate is not the pinned one.");
        },
      });
      const client = socket;
      client.once('error', onError);
      client.once('secureConnect', () => done(client));
    } else {
      // A non-listening tls.Server, as in listen.ts: it enforces requestCert + rejectUnauthorized on the pipe.
      const server = createTlsServer({ ...tlsOptions, requestCert: true, rejectUnauthorized: true });
      server.once('tlsClientError', onError);
      server.once('secureConnection', (secured: TLSSocket) => {
        socket = secured;
        secured.once('error', onError);
        done(secured);
      });
      server.emit('connection', opts.socket);
    }
  });
}
