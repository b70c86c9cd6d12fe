/**
 * Certificates for sft, made with @peculiar/x509 on Node's WebCrypto:
 * - a local CA and a server certificate it signs (the server's HTTPS identity), and
 * - ephemeral self-signed certificates for the direct peer-to-peer TLS link.
 *
 * Keys are ECDSA P-256: fast to make and accepted by every TLS 1.3 stack.
 * Private keys are returned as PKCS#8 PEM and never written anywhere by this module.
 */
import { randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import 'reflect-metadata'; // @peculiar/x509 uses tsyringe, which needs the Reflect polyfill loaded first.
import * as x509 from '@peculiar/x509';
import { fingerprintOfPem } from './fingerprint';

export { fingerprintOfPem, formatFingerprint } from './fingerprint';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface KeyAndCert {
  /** The certificate, PEM. */
  certPem: string;
  /** The private key, PKCS#8 PEM. Secret. */
  keyPem: string;
  /** Lowercase hex SHA-256 of the certificate's DER: what peers pin. */
  fingerprint: string;
}


/** A self-signed certificate authority. */
export async function makeCa(commonName: string, days = 3650): Promise<KeyAndCert> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: distinguishedName(commonName),
    ...validity(days),
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return toKeyAndCert(cert, keys.privateKey);
}

/**
 * A TLS server certificate signed by `ca`, valid for `names`: DNS names and
 * IP addresses (e.g. `localhost`, `127.0.0.1`, `::1`).
 */
export async function makeServerCert(ca: KeyAndCert, names: string[], days = 825): Promise<KeyAndCert> {
  if (names.length === 0) throw new Error('A server certificate needs at least one DNS name or IP address.');
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importPrivateKey(ca.keyPem);
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: distinguishedName(names[0]),
    issuer: caCert.subject,
    ...validity(days),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        names.map((name) => (isIP(name) ? { type: 'ip' as const, value: name } : { type: 'dns' as const, value: name })),
      ),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return toKeyAndCert(cert, keys.privateKey);
}

/**
 * A short-lived self-signed certificate for one peer-to-peer link. It is its own
 * trust anchor: the other peer pins exactly this certificate (by its fingerprint,
 * exchanged through the server) and accepts no other.
 */
export async function makeEphemeralCert(commonName: string, days = 1): Promise<KeyAndCert> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: distinguishedName(commonName),
    ...validity(days),
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'sft-peer' }]),
    ],
  });
  return toKeyAndCert(cert, keys.privateKey);
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

async function importPrivateKey(keyPem: string): Promise<webcrypto.CryptoKey> {
  const der = x509.PemConverter.decodeFirst(keyPem);
  return (await webcrypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, false, ['sign'])) as webcrypto.CryptoKey;
}

async function toKeyAndCert(cert: x509.X509Certificate, privateKey: webcrypto.CryptoKey): Promise<KeyAndCert> {
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", privateKey);
  const certPem = cert.toString('pem');
  return {
    certPem: ensureTrailingNewline(certPem),
    keyPem: ensureTrailingNewline(x509.PemConverter.encode(pkcs8, 'PRIVATE KEY')),
    fingerprint: fingerprintOfPem(certPem),
  };
}

function distinguishedName(commonName: string): string {
  // Keep the name to characters that need no escaping in an X.500 string.
  const safe = commonName.replace(/[^A-Za-z0-9 .:_-]/g, '_').slice(0, 64) || 'sft';
  return `CN=${safe}, O=sft`;
}

function validity(days: number): { notBefore: Date; notAfter: Date } {
  // Back-date by an hour so a peer with a slightly slow clock still accepts the certificate.
  const now = Date.now();
  return { notBefore: new Date(now - 60 * 60 * 1000), notAfter: new Date(now + days * DAY_MS) };
}

function serialNumber(): string {
  // Positive 128-bit serial (top bit cleared), as RFC 5280 asks.
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  return bytes.toString('hex');
}

function ensureTrailingNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}
