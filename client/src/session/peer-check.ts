/** Checking the peer the server introduces: its TLS certificate and its identity key. */
import { fingerprintOfPem } from '../../../certs/src/x509';
import { ExitCode, ExitError } from '../errors';
import type { PeerCertificate } from '../peer/types';

/** Checks that a certificate from the session view matches the fingerprint the server recorded. */
export function checkCertificate(certificatePem: string | null, fingerprint: string | null, who: string): PeerCertificate {
  if (!certificatePem || !fingerprint || fingerprintOfPem(certificatePem) !== fingerprint) {
    throw new ExitError(ExitCode.Integrity, `The server gave a certificate for ${who} that does not match its fingerprint.`);
  }
  return { certificatePem, fingerprint };
}
