import { RequestError, RequestErrorCode } from '../common/app-error';
import { CertificateParser } from './certificate-parser';
import { MAX_CERTIFICATE_BYTES } from './session-limits';

/** One parser (worker threads) for the process: the servers of one process share it. */
const parser = new CertificateParser();
/** A checked peer certificate and the fingerprint the server computed. */
export interface PeerCertificate {
  pem: string;
  fingerprint: string;
}

/**
 * Checks a peer's PEM certificate (one certificate, at most MAX_CERTIFICATE_BYTES, parseable, currently valid)
 * and returns it with the fingerprint the server computes itself: lowercase hex SHA-256 of the DER. The cheap
 * checks come first; OpenSSL parses only what passes them, off the request thread (certificate-parser.ts).
 */
export async function readPeerCertificate(pem: string, field = 'certificate'): Promise<PeerCertificate> {
  const invalid = (why: string) => new RequestError(RequestErrorCode.ValidationFailed, `${field}: ${why}`);
  if (Buffer.byteLength(pem, 'utf8') > MAX_CERTIFICATE_BYTES) throw invalid(`must be at most ${MAX_CERTIFICATE_BYTES / 1024} KiB`);
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length !== 1 || /PRIVATE KEY/.test(pem)) throw invalid('must be exactly one PEM certificate');
  const cert = await parser.parse(blocks[0]);
  if (!cert) throw invalid('is not a valid X.509 certificate');
  const now = Date.now();
  if (cert.validFromMs > now || cert.validToMs < now) throw invalid('is not valid at this time');
  return { pem: `${blocks[0]}\n`, fingerprint: cert.fingerprint };
}
