/**
 * A Connector is how one side obtains its TLS link to the peer: the one seam where new paths plug
 * into the session runner (runner.ts) without copying its flow. The runner calls, in order:
 *
 *   prepare(ctx)  once, after login and before the session is opened on the server. A connector that
 *                 accepts connections binds here and returns the endpoint the session advertises
 *                 (the host's direct listener); a connector that only dials returns undefined.
 *   connect(req)  once, when the peer is in and its certificate and identity key are checked.
 *                 Resolves with a TLS 1.3 stream pinned to exactly `req.peer`'s certificate (build it
 *                 with client/src/peer: never weaker pinning); rejects with a PeerLinkError (or any
 *                 error exit-mapping.ts knows). It may use `req.api` and `req.session` (e.g. to ask
 *                 the server for a relay ticket).
 *   close()       always at the end: after success, failure and Ctrl-C. Idempotent; frees ports,
 *                 pending dials, relay tickets.
 *
 * Today: DirectListen (host) and DirectDial (joiner) in direct-link.ts. A relay connector (the
 * link through `sft relay`) or a racing one (direct first, the relay after ~2 s) implements this
 * same interface; the handshake, transfer and report above it do not change.
 */
import type { Duplex } from 'node:stream';
import type { KeyAndCert } from '../../../certs/src/x509';
import type { ApiClient } from '../api/api-client';
import type { Endpoint, SessionView } from '../api/types';
import type { PeerCertificate } from '../peer/types';

export interface Connector {
  prepare(ctx: PrepareContext): Promise<Endpoint | undefined>;
  connect(req: LinkRequest): Promise<Duplex>;
  close(): void;
}

export interface PrepareContext {
  /** Our ephemeral TLS certificate for this session. */
  own: KeyAndCert;
  serverUrl: string;
}

export interface LinkRequest {
  api: ApiClient;
  /** The session as the server last gave it (host's endpoint, ids). */
  session: SessionView;
  own: KeyAndCert;
  /** The peer's certificate, checked against the fingerprint the server recorded. */
  peer: PeerCertificate;
}
