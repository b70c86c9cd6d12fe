import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { fingerprintOfPem, makeCa, makeServerCert, type KeyAndCert } from '../../../certs/src/x509';
import type { AppConfig } from '../config/app-config';
import { ConfigError } from '../config/config-error';

/** What the HTTPS listener serves, and the local CA clients should trust (when we made one). */
export interface TlsMaterial {
  certPem: string;
  keyPem: string;
  caCertPath: string | null;
  caFingerprint: string | null;
}

/**
 * Loads SFT_TLS_CERT / SFT_TLS_KEY when configured, with SFT_TLS_CA (optional): the CA that issued
 * SFT_TLS_CERT, whose path and fingerprint are then shown to clients (docker-compose.yml's init
 * service makes that CA and keeps its key away from the server). Otherwise keeps a local CA and a server
 * certificate in `<dataDir>/tls/`, made on first start and reused; the server certificate is
 * remade (by the same CA) when it does not cover every name clients may use.
 */
export async function loadTlsMaterial(config: AppConfig): Promise<TlsMaterial> {
  if (config.tlsCertFile !== null && config.tlsKeyFile !== null) {
    const certPem = readPem(config.tlsCertFile, 'SFT_TLS_CERT');
    const caFile = config.env.SFT_TLS_CA || null;
    return {
      certPem,
      keyPem: readPem(config.tlsKeyFile, 'SFT_TLS_KEY'),
      caCertPath: caFile,
      caFingerprint: caFile === null ? null : fingerprintOfPem(readIssuingCa(caFile, certPem)),
    };
  }
  const dir = join(config.dataDir, 'tls');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = {
    ca: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca-key.pem'),
    server: join(dir, 'server.pem'),
    serverKey: join(dir, 'server-key.pem'),
  };
  const ca = await loadOrMake(files.ca, files.caKey, () => makeCa('sft local CA'));
  const names = certificateNames(config.host);
  const server = await loadOrMake(files.server, files.serverKey, () => makeServerCert(ca, names), (cert) =>
    coversNames(cert, names) && new X509Certificate(cert.certPem).checkIssued(new X509Certificate(ca.certPem)),
  );
  return { certPem: server.certPem, keyPem: server.keyPem, caCertPath: files.ca, caFingerprint: fingerprintOfPem(ca.certPem) };
}

/** localhost, loopback addresses, this machine's name, and the bound host when it is a specific name or address. */
export function certificateNames(host: string): string[] {
  const names = ['localhost', '127.0.0.1', '::1', hostname().toLowerCase()];
  const bound = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bound !== '0.0.0.0' && bound !== '::' && bound !== '') names.push(bound);
  return [...new Set(names)];
}

async function loadOrMake(
  certPath: string,
  keyPath: string,
  make: () => Promise<KeyAndCert>,
  stillGood: (existing: KeyAndCert) => boolean = () => true,
): Promise<KeyAndCert> {
  if (existsSync(certPath) && existsSync(keyPath)) {
    const certPem = readFileSync(certPath, 'utf8');
    const existing = { certPem, keyPem: readFileSync(keyPath, 'utf8'), fingerprint: fingerprintOfPem(certPem) };
    if (stillGood(existing) && new Date(new X509Certificate(certPem).validTo) > new Date()) return existing;
  }
  const made = await make();
  writeFileSync(keyPath, made.keyPem, { mode: 0o600 });
  chmodSync(keyPath, 0o600);
  writeFileSync(certPath, made.certPem, { mode: 0o644 });
  return made;
}

function coversNames(cert: KeyAndCert, names: string[]): boolean {
  const x509 = new X509Certificate(cert.certPem);
  return names.every((name) => (isIP(name) ? x509.checkIP(name) !== undefined : x509.checkHost(name) !== undefined));
}

function readPem(path: string, envName: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${envName} file ${path} (${(error as NodeJS.ErrnoException).code}).`);
  }
}

/** The PEM of SFT_TLS_CA, after checking that it issued the server certificate. */
function readIssuingCa(caFile: string, certPem: string): string {
  const caPem = readPem(caFile, 'SFT_TLS_CA');
  if (!new X509Certificate(certPem).checkIssued(new X509Certificate(caPem))) {
    throw new Error(`Invalid configuration: SFT_TLS_CA ${caFile} did not issue the certificate in SFT_TLS_CERT.`);
  }
  return caPem;
}
