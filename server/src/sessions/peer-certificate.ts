import { createHash, X509Certificate } from 'node:crypto';
import { RequestError, RequestErrorCode } from '../common/app-error';
import { MAX_CERTIFICATE_BYTES } from './session-limits';

/** A checked peer certificate and the fingerprint the server computed. */
export interface PeerCertificate {
  pem: string;
  fingerprint: string;
}

/**
 * Checks a peer's PEM certificate (one certificate, at most MAX_CERTIFICATE_BYTES, parseable, currently valid)
 * and returns it with the fingerprint the server computes itself: lowercase hex SHA-256 of the DER.
 */
export function readPeerCertificate(pem: string, field = 'certificate'): PeerCertificate {
  const invalid = (why: string) => new RequestError(RequestErrorCode.ValidationFailed, `${field}: ${why}`);
  if (Buffer.byteLength(pem, 'utf8') > MAX_CERTIFICATE_BYTES) throw invalid(`must be at most ${MAX_CERTIFICATE_BYTES / 1024} KiB`);
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length !== 1 || /PRIVATE KEY/.test(pem)) throw invalid('must be exactly one PEM certificate');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(blocks[0]);
  } catch {
    throw invalid('is not a valid X.509 certificate');
  }
  const now = Date.now();
  if (new Date(cert.validFrom).getTime() > now || new Date(cert.validTo).getTime() < now) {
    throw invalid('is not valid at this time');
  }
  return { pem: `${blocks[0]}\n`, fingerprint: createHash('sha256').update(cert.raw).digest('hex') };
}
