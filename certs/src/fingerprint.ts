/**
 * Certificate fingerprints with node:crypto alone, so code that only compares or shows them (the CLI's
 * pinning, its messages) does not load @peculiar/x509 (x509.ts), a tenth of a second and a few MiB of
 * heap in every process that imports it.
 */
import { createHash, X509Certificate } from 'node:crypto';

/** Lowercase hex SHA-256 of a PEM certificate's DER encoding. */
export function fingerprintOfPem(certPem: string): string {
  const der = new X509Certificate(certPem).raw;
  return createHash('sha256').update(der).digest('hex');
}

/** Formats a hex fingerprint as colon-separated upper-case pairs, the way browsers and openssl show it. */
export function formatFingerprint(fingerprint: string): string {
  return fingerprint.toUpperCase().match(/.{2}/g)?.join(':') ?? '';
}
