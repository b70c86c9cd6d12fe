/** Certificate pinning helpers shared by both ends of the peer link. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { SecureContextOptions } from 'node:tls';
import type { KeyAndCert } from '../../../certs/src/x509';
import { fingerprintOfPem } from '../../../certs/src/fingerprint';
import { PeerLinkError } from './errors';
import type { PeerCertificate } from './types';

/** TLS options both ends use: TLS 1.3 only, our cert, and the peer's exact cert as the only trust anchor. */
export function pinnedTlsOptions(own: KeyAndCert, peer: PeerCertificate): SecureContextOptions & { minVersion: 'TLSv1.3'; maxVersion: 'TLSv1.3' } {
  return { key: own.keyPem, cert: own.certPem, ca: [peer.certificatePem], minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' };
}

/** Throws PeerLinkError('tls') unless the PEM's fingerprint is the announced one. */
export function assertCertificateMatches(peer: PeerCertificate): void {
  let actual: string;
  try {
    actual = fingerprintOfPem(peer.certificatePem);
  } catch {
    throw new PeerLinkError('tls', "The peer's certificate cannot be parsed.");
  }
  if (!sameFingerprint(actual, peer.fingerprint)) {
    throw new PeerLinkError('tls', "The peer's certificate does not match its announced fingerprint.");
  }
}

/** Constant-time comparison of a DER certificate's SHA-256 with an expected lowercase hex fingerprint. */
export function derMatches(der: Buffer | undefined, expectedFingerprint: string): boolean {
  if (!der || der.length === 0) return false;
  return sameFingerprint(createHash('sha256').update(der).digest('hex'), expectedFingerprint);
}

function sameFingerprint(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase(), 'utf8');
  const y = Buffer.from(b.toLowerCase(), 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
