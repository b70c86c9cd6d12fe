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
  /** Stops listening and drops connections still pending. Does not touch an accepted socket. */
  close(): Promise<void>;
}
