/**
 * The hosting end of the peer link. The host binds its port before it knows the joiner's certificate
 * (the port goes into the session when it is created), so:
 * - a plain net.Server accepts TCP connections (at most MAX_PENDING at a time: when full, the oldest
 *   waiting connection is dropped, so idle or slowloris connections cannot lock the real peer out);
 * - each connection waits, within its handshake budget, for the expected certificate to be known;
 * - then it is handed to its own non-listening tls.Server (TLS 1.3, our cert, the peer's exact cert as the
 *   only `ca`, requestCert + rejectUnauthorized) and, after the handshake, the peer certificate's
 *   SHA-256 is compared with the expected fingerprint once more.
 * A stranger whose handshake fails is dropped and the host keeps waiting for the real peer.
 * After a link was taken, `expect(peer)` arms the same port for one more link (a reconnect after the
 * link dropped, issue 14), possibly with a new certificate of a peer that restarted.
 */
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { KeyAndCert } from '../../../certs/src/x509';
import { PeerLinkError } from './errors';
import { assertCertificateMatches, derMatches, pinnedTlsOptions } from './pinning';
import type { PeerCertificate, PeerListener } from './types';

/** TCP connections that may wait for their TLS handshake at the same time; past that the oldest is dropped. */
export const MAX_PENDING = 256;
/** Default time one connection gets to (wait for the expected cert and) complete the TLS handshake. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000;

export interface ListenOptions {
  host: string;
  port: number;
  own: KeyAndCert;
  expectedPeer: Promise<PeerCertificate>;
  handshakeTimeoutMs?: number;
}

export async function listenForPeer(opts: ListenOptions): Promise<PeerListener> {
  const handshakeTimeoutMs = opts.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const pending = new Set<Socket>();
  let peerFailure: PeerLinkError | null = null;
  let ready: TLSSocket | null = null;
  let taken = false;
  let closed = false;
  let waiter: { resolve(s: TLSSocket): void; reject(e: Error): void } | null = null;
  /** Bumped by expect(): a handshake begun for an earlier link is not delivered. */
  let armed = 0;

  let expected: Promise<PeerCertificate> = opts.expectedPeer.then((peer) => {
    assertCertificateMatches(peer);
    return peer;
  });
  expected.catch((err: unknown) => {
    peerFailure =
      err instanceof PeerLinkError ? err : new PeerLinkError('no_certificate', `The peer's certificate never arrived: ${(err as Error)?.message ?? err}`);
    for (const raw of pending) raw.destroy();
    waiter?.reject(peerFailure);
    waiter = null;
  });

  const deliver = (socket: TLSSocket): void => {
    if (closed || ready || taken) {
      socket.destroy();
      return;
    }
    if (waiter) {
      taken = true;
      waiter.resolve(socket);
      waiter = null;
    } else {
      ready = socket;
    }
  };

  const onConnection = (raw: Socket): void => {
    if (closed || taken || ready || peerFailure) {
      raw.destroy();
      return;
    }
    if (pending.size >= MAX_PENDING) {
      // Drop the oldest waiting connection rather than the newest: the real peer dials only once it has
      // joined, so it is among the newest, and it retries if it was the one dropped.
      const oldest = pending.values().next().value as Socket;
      pending.delete(oldest);
      oldest.destroy();
    }
    pending.add(raw);
    raw.on('error', () => undefined); // failures end the connection; nothing else to do
    raw.once('close', () => pending.delete(raw));
    const timer = setTimeout(() => raw.destroy(), handshakeTimeoutMs);
    const generation = armed;
    expected.then(
      (peer) => {
        if (raw.destroyed) return;
        const tlsServer = createTlsServer({
          ...pinnedTlsOptions(opts.own, peer),
          requestCert: true,
          rejectUnauthorized: true,
          handshakeTimeout: handshakeTimeoutMs,
        });
        tlsServer.on('tlsClientError', (_err, socket) => {
          socket.destroy();
          raw.destroy();
        });
        tlsServer.on('secureConnection', (socket: TLSSocket) => {
          clearTimeout(timer);
          pending.delete(raw);
          if (generation !== armed || !socket.authorized || !derMatches(socket.getPeerCertificate().raw, peer.fingerprint)) {
            socket.destroy();
            return;
          }
          socket.on('error', () => undefined); // errors also surface through reads and writes
          deliver(socket);
        });
        tlsServer.emit('connection', raw);
      },
      () => raw.destroy(),
    );
  };

  const server: Server = createNetServer(onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new PeerLinkError('io', `Cannot listen on ${opts.host}:${opts.port}: ${err.code ?? err.message}.`, { cause: err })),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  server.on('error', () => undefined);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;

  return {
    host: opts.host,
    port,
    accept(timeoutMs: number): Promise<TLSSocket> {
      if (peerFailure) return Promise.reject(peerFailure);
      if (closed) return Promise.reject(new PeerLinkError('io', 'The peer listener is closed.'));
      if (taken || waiter) return Promise.reject(new Error('accept() may be called only once.'));
      if (ready) {
        const socket = ready;
        ready = null;
        taken = true;
        return Promise.resolve(socket);
      }
      return new Promise<TLSSocket>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiter = null;
          reject(new PeerLinkError('timeout', `The peer did not connect within ${Math.round(timeoutMs / 1000)} s.`));
        }, timeoutMs);
        waiter = {
          resolve: (s) => {
            clearTimeout(timer);
            resolve(s);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        };
      });
    },
    expect(peer: PeerCertificate): void {
      if (closed) return;
      assertCertificateMatches(peer);
      armed++;
      expected = Promise.resolve(peer);
      peerFailure = null;
      taken = false;
      ready?.destroy();
      ready = null;
      waiter?.reject(new PeerLinkError('unreachable', 'Stopped waiting for that link: waiting for a new one.'));
      waiter = null;
      for (const raw of pending) raw.destroy();
      pending.clear();
    },
    close(): Promise<void> {
      closed = true;
      for (const raw of pending) raw.destroy();
      ready?.destroy();
      ready = null;
      waiter?.reject(new PeerLinkError('io', 'The peer listener was closed.'));
      waiter = null;
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
