/**
 * A Connector is how one side obtains its TLS link to the peer: the one seam where new paths plug
 * into the session runner (runner.ts) without copying its flow. The runner calls, in order:
 *
 *   prepare(ctx)  once, after login and before the session is opened on the server. A connector that
 *                 accepts connections binds here and returns what the session advertises (the host's
 *                 direct listener: its endpoint and other candidate addresses); one that only dials
 *                 returns undefined.
 *   connect(req)  when the peer is in and its certificate and identity key are checked, and again after
 *                 a link was lost (issue 14: the runner reconnects, each call a fresh link, `req.peer`
 *                 possibly a new certificate of a peer that restarted; DirectListen keeps its port,
 *                 RelayLink asks for a new ticket). Resolves with a PeerLink: a TLS 1.3 stream pinned
 *                 to exactly `req.peer`'s certificate (build it with client/src/peer: never weaker
 *                 pinning) and the path it took, in words for the user and the report; rejects with a
 *                 PeerLinkError (or any error exit-mapping.ts knows). It may use `req.api` and
 *                 `req.session` (e.g. to ask the server for a relay ticket). `req.signal` aborted:
 *                 stop this attempt (reject), the connector stays usable.
 *   close()       always at the end: after success, failure and Ctrl-C. Idempotent; frees ports,
 *                 pending dials, relay tickets. No connect() after it.
 *
 * The connectors: DirectListen (host) and DirectDial (joiner) in direct-link.ts, RelayLink (either
 * side, through `sft relay`) in relay-link.ts, and HostRace / JoinRace in race.ts, which compose them
 * for `--relay auto|never|only`. The handshake, transfer and report above them do not change.
 */
import type { Duplex } from 'node:stream';
import type { KeyAndCert } from '../../../certs/src/x509';
import type { ApiClient } from '../api/api-client';
import type { Endpoint, SessionView } from '../api/types';
import type { PeerCertificate } from '../peer/types';

export interface Connector {
  prepare(ctx: PrepareContext): Promise<Advertised | undefined>;
  connect(req: LinkRequest): Promise<PeerLink>;
  close(): void;
}

/** Where the host may be dialled: the endpoint first, then its other addresses (its interfaces). */
export interface Advertised {
  endpoint: Endpoint;
  candidates: Endpoint[];
}

/** The path a link took: straight to the peer, or through a relay. */
export type LinkPath = { via: 'direct'; address: string } | { via: 'relay'; relay: string };

/** A pinned TLS link to the peer and the path it took. */
export interface PeerLink {
  socket: Duplex;
  path: LinkPath;
}

/** The path in words: "direct to 127.0.0.1:4000" / "through the relay at localhost:8444". */
export function describePath(path: LinkPath): string {
  return path.via === 'direct' ? `direct to ${path.address}` : `through the relay at ${path.relay}`;
}

export interface PrepareContext {
  /** Our ephemeral TLS certificate for this session. */
  own: KeyAndCert;
  serverUrl: string;
  /** The CA PEM trusted for the server (and so for its relay); undefined = the system's roots. */
  ca?: string;
}

export interface LinkRequest {
  api: ApiClient;
  /** The session as the server last gave it (host's endpoint, ids). */
  session: SessionView;
  own: KeyAndCert;
  /** The peer's certificate, checked against the fingerprint the server recorded. */
  peer: PeerCertificate;
  /** Aborted: give this attempt up (the runner re-reads the session and tries again). */
  signal?: AbortSignal;
}

/** Rejects with `stopped()` once `signal` aborts; `work` is left to the caller to clean up. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, stopped: () => Error): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(stopped());
  let onAbort = () => undefined as void;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(stopped());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}
