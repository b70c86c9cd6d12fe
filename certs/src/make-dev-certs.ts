/**
 * `npm run certs`: makes a development CA and a server certificate signed by it,
 * for running the sft server over HTTPS locally or with `docker compose up`.
 *
 * Writes into certs/dev/ (git-ignored): ca.pem, ca-key.pem (0600), server.pem,
 * server-key.pem (0600). The server certificate is valid for localhost, 127.0.0.1,
 * ::1, `server` (the compose service name) and any extra names given as arguments,
 * with `--name`, or in SFT_CERT_NAMES (comma or space separated).
 * Existing files are never replaced unless `--force` is given.
 */
import { promises as fs } from 'node:fs';
import { isIP } from 'node:net';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from './atomic-file';
import { formatFingerprint, makeCa, makeServerCert } from './x509';

/** The names every dev server certificate covers. */
export const DEFAULT_NAMES: readonly string[] = ['localhost', '127.0.0.1', '::1', 'server'];

/** Where the certificates go unless `--out` says otherwise (relative to the working directory). */
export const DEFAULT_OUT_DIR = path.join('certs', 'dev');

/** The four files, by role. */
export const DEV_CERT_FILES = {
  caCert: 'ca.pem',
  caKey: 'ca-key.pem',
  serverCert: 'server.pem',
  serverKey: 'server-key.pem',
} as const;

export interface DevCertsOptions {
  /**
   * Directory to write into; created if missing. Mode 0755, not 0700: the keys inside
   * are 0600 already, and a container user must be able to enter a bind-mounted directory.
   */
  outDir: string;
  /** Extra DNS names or IP addresses besides DEFAULT_NAMES. */
  extraNames?: string[];
  /** Replace existing files. */
  force?: boolean;
}

export interface DevCertsResult {
  /** Absolute paths of the files written. */
  files: Record<keyof typeof DEV_CERT_FILES, string>;
  /** The names in the server certificate, in order. */
  names: string[];
  /** SHA-256 fingerprint of the CA certificate, lowercase hex. */
  caFingerprint: string;
}

export enum DevCertsErrorCode {
  Usage = 'usage',
  InvalidName = 'invalid_name',
  FilesExist = 'files_exist',
}

/** A failure with a stable code and a one-line message that says what to do. */
export class DevCertsError extends Error {
  constructor(
    readonly code: DevCertsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DevCertsError';
  }

  /** Process exit code: 2 for usage errors, 1 otherwise (as in the sft CLI). */
  get exitCode(): number {
    return this.code === DevCertsErrorCode.FilesExist ? 1 : 2;
  }
}

/** Makes the CA and server certificate and writes them into `options.outDir`. */
export async function makeDevCerts(options: DevCertsOptions): Promise<DevCertsResult> {
  const outDir = path.resolve(options.outDir);
  const names = certificateNames(options.extraNames ?? []);
  const files = filePaths(outDir);

  await fs.mkdir(outDir, { recursive: true, mode: 0o755 });
  if (!options.force) await refuseExisting(Object.values(files));

  const ca = await makeCa('sft development CA');
  const server = await makeServerCert(ca, names);

  await writeFileAtomic(files.caKey, ca.keyPem, 0o600);
  await writeFileAtomic(files.caCert, ca.certPem, 0o644);
  await writeFileAtomic(files.serverKey, server.keyPem, 0o600);
  await writeFileAtomic(files.serverCert, server.certPem, 0o644);

  return { files, names, caFingerprint: ca.fingerprint };
}

/** DEFAULT_NAMES plus valid, de-duplicated extra names; throws on an invalid one. */
export function certificateNames(extraNames: string[]): string[] {
  const names = [...DEFAULT_NAMES];
  for (const raw of extraNames) {
    const name = raw.trim();
    if (name === '') continue;
    if (!isValidName(name)) {
      throw new DevCertsError(
        DevCertsErrorCode.InvalidName,
        `"${name}" is not a DNS name or IP address. Use names like sft.example.org or 192.168.1.20.`,
      );
    }
    if (!names.some((n) => n.toLowerCase() === name.toLowerCase())) names.push(name);
  }
  return names;
}

/** Reads command-line arguments and the SFT_CERT_NAMES environment variable. */
export function parseDevCertsArgs(argv: string[], env: NodeJS.ProcessEnv): DevCertsOptions & { help: boolean } {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(argv);
  } catch (error) {
    throw new DevCertsError(DevCertsErrorCode.Usage, `${(error as Error).message}. See --help.`);
  }
  const fromEnv = (env.SFT_CERT_NAMES ?? '').split(/[\s,]+/);
  return {
    help: parsed.values.help ?? false,
    outDir: parsed.values.out ?? DEFAULT_OUT_DIR,
    force: parsed.values.force ?? false,
    extraNames: [...parsed.positionals, ...(parsed.values.name ?? []), ...fromEnv].filter((n) => n.trim() !== ''),
  };
}

export const USAGE = `Usage: npm run certs -- [NAME...] [--name NAME] [--out DIR] [--force]

Makes a development CA and a server certificate for localhost, 127.0.0.1, ::1,
server, and each extra NAME (also read from SFT_CERT_NAMES, comma separated).
Writes ca.pem, ca-key.pem, server.pem and server-key.pem into DIR (default certs/dev).
Existing files are kept unless --force is given.`;

/** The command: parses arguments, writes the files, prints what it did. Returns the exit code. */
export async function runDevCerts(
  argv: string[],
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  try {
    const options = parseDevCertsArgs(argv, env);
    if (options.help) {
      out(USAGE);
      return 0;
    }
    const result = await makeDevCerts(options);
    out(`Server certificate for: ${result.names.join(', ')}`);
    out(`CA certificate: ${result.files.caCert}`);
    out(`CA fingerprint (SHA-256): ${formatFingerprint(result.caFingerprint)}`);
    out(`Server certificate: ${result.files.serverCert}`);
    out(`Server key: ${result.files.serverKey} (mode 0600)`);
    out(`CA key: ${result.files.caKey} (mode 0600; keep it private)`);
    out(`Clients trust the server with: sft register --server https://localhost:8443 --ca ${result.files.caCert}`);
    return 0;
  } catch (error) {
    if (error instanceof DevCertsError) {
      err(`certs: ${error.message}`);
      return error.exitCode;
    }
    err(`certs: ${(error as Error).message}`);
    if (env.SFT_DEBUG === '1') err(String((error as Error).stack));
    return 1;
  }
}

function parseCli(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: 'string', short: 'o' },
      name: { type: 'string', short: 'n', multiple: true },
      force: { type: 'boolean', short: 'f' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function filePaths(outDir: string): DevCertsResult['files'] {
  return {
    caCert: path.join(outDir, DEV_CERT_FILES.caCert),
    caKey: path.join(outDir, DEV_CERT_FILES.caKey),
    serverCert: path.join(outDir, DEV_CERT_FILES.serverCert),
    serverKey: path.join(outDir, DEV_CERT_FILES.serverKey),
  };
}

async function refuseExisting(paths: string[]): Promise<void> {
  for (const file of paths) {
    const exists = await fs.stat(file).then(
      () => true,
      () => false,
    );
    if (exists) {
      throw new DevCertsError(
        DevCertsErrorCode.FilesExist,
        `${file} already exists; nothing was changed. Run with --force to replace the certificates (clients must then trust the new CA).`,
      );
    }
  }
}

/** Writes to a fresh temporary file with `mode`, then renames it over `file`, so a reader never sees half a key. */
function isValidName(name: string): boolean {
  if (isIP(name) !== 0) return true;
  // A DNS name: dot-separated labels of letters, digits and inner hyphens; an optional leading wildcard label.
  const label = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
  return name.length <= 253 && new RegExp(`^(?:\\*\\.)?${label}(?:\\.${label})*$`).test(name);
}

if (require.main === module) {
  void runDevCerts(
    process.argv.slice(2),
    process.env,
    (line) => process.stdout.write(`${line}\n`),
    (line) => process.stderr.write(`${line}\n`),
  ).then((code) => {
    process.exitCode = code;
  });
}
