/** Shapes of the peer link. */
import type { TLSSocket } from 'node:tls';

/** The other peer's ephemeral certificate, as handed out by the server. */
export interface PeerCertificate {
  certificatePem: string;
  /** Lowercase hex SHA-256 of the certificate's DER. */
  fingerprint: string;
}

export interface PeerListener {
  host: string;
  /** The bound port (useful when 0 was asked for). */
  port: number;
  /** The first connection that completed TLS with exactly the expected certificate. */
  accept(timeoutMs: number): Promise<TLSSocket>;
  /**
   * Arms the listener for one more link (after the previous one was taken or failed), accepting only
   * `peer`'s certificate from now on. Connections still pending are dropped; an accepted socket is untouched.
   */
  expect(peer: PeerCertificate): void;
  /** Stops listening and drops connections still pending. Does not touch an accepted socket. */
  close(): Promise<void>;
}
