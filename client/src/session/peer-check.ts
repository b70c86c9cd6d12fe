/** Checking the peer the server introduces: its TLS certificate and its identity key. */
import { fingerprintOfPem } from '../../../certs/src/fingerprint';
import { ExitCode, ExitError } from '../errors';
import type { SessionView } from '../api/types';
import type { PeerCertificate } from '../peer/types';

/** Checks that a certificate from the session view matches the fingerprint the server recorded. */
export function checkCertificate(certificatePem: string | null, fingerprint: string | null, who: string): PeerCertificate {
  if (!certificatePem || !fingerprint || fingerprintOfPem(certificatePem) !== fingerprint) {
    throw new ExitError(ExitCode.Integrity, `The server gave a certificate for ${who} that does not match its fingerprint.`);
  }
  return { certificatePem, fingerprint };
}

/** The other party's certificate and fingerprint as the session view holds them now (the host's for the joiner, and back). */
export function peerCertificateOf(session: SessionView, party: 'host' | 'joiner'): { pem: string | null; fingerprint: string | null } {
  return party === 'host'
    ? { pem: session.joinerCertificate, fingerprint: session.joinerFingerprint }
    : { pem: session.hostCertificate, fingerprint: session.hostFingerprint };
}
