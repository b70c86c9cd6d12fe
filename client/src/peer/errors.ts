/** The one error type dialPeer/listenForPeer reject with, each with a stable code (exit-mapping.ts maps them). */

export type PeerLinkErrorCode =
  | 'unreachable' // the peer could not be reached (connection refused, retries exhausted)
  | 'tls' // the TLS link failed (wrong or unparsable certificate, handshake refused)
  | 'timeout' // the peer did not connect in time
  | 'no_certificate' // the peer's certificate never became known to the listener
  | 'io'; // the local port could not be bound, or the listener was closed

export class PeerLinkError extends Error {
  constructor(
    readonly code: PeerLinkErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PeerLinkError';
  }
}
