/**
 * The one-shot `init` service of docker-compose.yml. It runs as root before `mysql` and `server`
 * at every `docker compose up`, and fills the volumes they read:
 *
 * - `<secrets>/mysql-password`: 24 random bytes, hex, made once (0600, owned by the server's
 *   user), and `<secrets>/mysql-root-password` (0600, root's). The mysql service's entrypoint reads
 *   both as root, the server the first through SFT_DB_PASSWORD_FILE: no password is in an
 *   environment listing or a log.
 * - `<ca>/ca-key.pem` and `<ca>/ca.pem`: a local CA, made once. The `<ca>` volume is mounted in
 *   this service only, so the CA's private key is never inside the server container.
 * - `<data>/tls/`: `ca.pem` (for clients and the health check), `server.pem` and `server-key.pem`
 *   (0600, owned by the server's user), a certificate the CA signs for localhost, 127.0.0.1, ::1,
 *   `server` and the names in SFT_CERT_NAMES. Kept while it covers those names, was issued by
 *   the CA and stays valid for 30 more days; otherwise issued anew by the same CA.
 *   With SFT_TLS_IMPORT=DIR, your own `server.pem`, `server-key.pem` and `ca.pem` from
 *   `/import/DIR` (the repository's certs/ directory, mounted read-only) are copied there instead.
 *
 * Running as root lets it give the files to the server's user whatever uid owns the volumes.
 * It prints paths, names and the CA fingerprint, never a secret. Exit 1 with one line on error.
 */
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { certificateNames } from '../../certs/src/make-dev-certs';
import { fingerprintOfPem, formatFingerprint, makeCa, makeServerCert, type KeyAndCert } from '../../certs/src/x509';

const ROOT = { uid: 0, gid: 0 };

/** A server certificate this close to its end is replaced. */
const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

export interface InitVolumesOptions {
  secretsDir: string;
  caDir: string;
  dataDir: string;
  /** uid and gid that must own what the server reads. */
  owner: { uid: number; gid: number };
  /** Owner of what only `init` and the mysql entrypoint read (CA key, MySQL root password): root. */
  privateOwner?: { uid: number; gid: number };
  /** Names besides localhost, 127.0.0.1, ::1 and server. */
  extraNames: string[];
  /** A directory with your own server.pem, server-key.pem and ca.pem, used instead of the local CA. */
  importDir?: string;
}

/** Makes whatever is missing; returns the lines to print. */
export async function initVolumes(options: InitVolumesOptions): Promise<string[]> {
  const { owner } = options;
  const privateOwner = options.privateOwner ?? ROOT;
  const lines: string[] = [];
  for (const dir of [options.secretsDir, options.dataDir, join(options.dataDir, 'tls')]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chownSync(dir, owner.uid, owner.gid);
    chmodSync(dir, 0o700);
  }
  mkdirSync(options.caDir, { recursive: true, mode: 0o700 });
  chmodSync(options.caDir, 0o700);

  // The server's account, readable by the server; root's, readable by root (the mysql entrypoint) only.
  for (const [name, fileOwner] of [['mysql-password', owner], ['mysql-root-password', privateOwner]] as const) {
    const file = join(options.secretsDir, name);
    if (existsSync(file)) continue;
    writePrivate(file, `${randomBytes(24).toString('hex')}\n`, 0o600, fileOwner);
    lines.push(`Made ${file} (mode 0600)`);
  }

  const tlsDir = join(options.dataDir, 'tls');
  const tlsFiles = { ca: join(tlsDir, 'ca.pem'), cert: join(tlsDir, 'server.pem'), key: join(tlsDir, 'server-key.pem') };
  if (options.importDir) {
    lines.push(...importCertificate(options.importDir, tlsFiles, owner));
    return lines;
  }

  const caFiles = { cert: join(options.caDir, 'ca.pem'), key: join(options.caDir, 'ca-key.pem') };
  let ca = readKeyAndCert(caFiles.cert, caFiles.key);
  if (ca === null) {
    ca = await makeCa('sft compose CA');
    writePrivate(caFiles.key, ca.keyPem, 0o600, privateOwner);
    writePrivate(caFiles.cert, ca.certPem, 0o644, privateOwner);
    lines.push('Made a new local CA: clients need its certificate (below) to trust the server.');
  }

  const names = certificateNames(options.extraNames);
  const current = readKeyAndCert(tlsFiles.cert, tlsFiles.key);
  if (current === null || !stillGood(current, ca, names)) {
    const server = await makeServerCert(ca, names);
    writePrivate(tlsFiles.key, server.keyPem, 0o600, owner);
    writePrivate(tlsFiles.cert, server.certPem, 0o644, owner);
    lines.push(`Issued the server certificate for: ${names.join(', ')}`);
  }
  if (!existsSync(tlsFiles.ca) || readFileSync(tlsFiles.ca, 'utf8') !== ca.certPem) {
    writePrivate(tlsFiles.ca, ca.certPem, 0o644, owner);
  }
  lines.push(`CA certificate: ${tlsFiles.ca}`, `CA fingerprint (SHA-256): ${formatFingerprint(ca.fingerprint)}`);
  return lines;
}

/**
 * Your own certificate: `server.pem`, `server-key.pem` and `ca.pem` (the CA that issued it) from
 * `dir`, copied at every start (a renewed certificate is picked up), the key 0600 for the server.
 * Nothing else in `dir` (such as a CA key) is read.
 */
function importCertificate(dir: string, tlsFiles: { ca: string; cert: string; key: string }, owner: { uid: number; gid: number }): string[] {
  const read = (name: string): string => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch (error) {
      throw new Error(`cannot read ${join(dir, name)} (${(error as NodeJS.ErrnoException).code}) for SFT_TLS_IMPORT`);
    }
  };
  const [certPem, keyPem, caPem] = [read('server.pem'), read('server-key.pem'), read('ca.pem')];
  const cert = new X509Certificate(certPem);
  if (!cert.checkIssued(new X509Certificate(caPem)) || !cert.verify(new X509Certificate(caPem).publicKey)) {
    throw new Error(`${join(dir, 'ca.pem')} did not issue ${join(dir, 'server.pem')}`);
  }
  if (!cert.checkPrivateKey(createPrivateKey(keyPem))) {
    throw new Error(`${join(dir, 'server-key.pem')} is not the key of ${join(dir, 'server.pem')}`);
  }
  writePrivate(tlsFiles.key, keyPem, 0o600, owner);
  writePrivate(tlsFiles.cert, certPem, 0o644, owner);
  writePrivate(tlsFiles.ca, caPem, 0o644, owner);
  return [
    `Using the certificate from ${dir} (for: ${cert.subjectAltName ?? cert.subject})`,
    `CA certificate: ${tlsFiles.ca}`,
    `CA fingerprint (SHA-256): ${formatFingerprint(fingerprintOfPem(caPem))}`,
  ];
}

function stillGood(server: KeyAndCert, ca: KeyAndCert, names: string[]): boolean {
  const cert = new X509Certificate(server.certPem);
  const covers = names.every((name) => (isIP(name) ? cert.checkIP(name) : cert.checkHost(name)) !== undefined);
  const fresh = new Date(cert.validTo).getTime() - Date.now() > RENEW_BEFORE_MS;
  return covers && fresh && cert.checkIssued(new X509Certificate(ca.certPem)) && cert.verify(new X509Certificate(ca.certPem).publicKey);
}

function readKeyAndCert(certFile: string, keyFile: string): KeyAndCert | null {
  if (!existsSync(certFile) || !existsSync(keyFile)) return null;
  const certPem = readFileSync(certFile, 'utf8');
  return { certPem, keyPem: readFileSync(keyFile, 'utf8'), fingerprint: fingerprintOfPem(certPem) };
}

/** Writes a temporary file with `mode` and `owner`, then renames it over `file`: no reader sees half a key. */
function writePrivate(file: string, data: string, mode: number, owner: { uid: number; gid: number }): void {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, data, { mode, flag: 'wx' });
    chownSync(temp, owner.uid, owner.gid);
    chmodSync(temp, mode);
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** uid and gid of `user` from /etc/passwd (the image's `node` user). */
export function userIds(user: string, passwd = readFileSync('/etc/passwd', 'utf8')): { uid: number; gid: number } {
  const entry = passwd.split('\n').map((line) => line.split(':')).find((fields) => fields[0] === user);
  if (!entry) throw new Error(`no user "${user}" in /etc/passwd`);
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      secrets: { type: 'string', default: '/run/secrets/sft' },
      ca: { type: 'string', default: '/ca' },
      data: { type: 'string', default: '/data' },
      user: { type: 'string', default: 'node' },
      import: { type: 'string', default: '/import' },
    },
  });
  const lines = await initVolumes({
    secretsDir: values.secrets,
    caDir: values.ca,
    dataDir: values.data,
    owner: userIds(values.user),
    extraNames: (process.env.SFT_CERT_NAMES ?? '').split(/[\s,]+/).filter((name) => name !== ''),
    importDir: process.env.SFT_TLS_IMPORT ? join(values.import, process.env.SFT_TLS_IMPORT) : undefined,
  });
  for (const line of lines) process.stdout.write(`${line}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`init: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
