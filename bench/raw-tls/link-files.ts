/** Where the raw-TLS child processes find their certificates: a scratch dir holding own/peer PEM files. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyAndCert } from '../../certs/src/x509';

export interface LinkMaterial {
  key: string;
  cert: string;
  peerCert: string;
  peerFingerprint: string;
}

/** Writes one side's key (mode 0600), certificate and the peer's certificate under `dir` with `prefix`. */
export function writeLinkFiles(dir: string, prefix: string, own: KeyAndCert, peer: KeyAndCert): void {
  writeFileSync(join(dir, `${prefix}.key.pem`), own.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, `${prefix}.cert.pem`), own.certPem);
  writeFileSync(join(dir, `${prefix}.peer.pem`), peer.certPem);
  writeFileSync(join(dir, `${prefix}.peer.sha256`), peer.fingerprint);
}

export function readLinkFiles(dir: string, prefix: string): LinkMaterial {
  const read = (name: string) => readFileSync(join(dir, `${prefix}.${name}`), 'utf8');
  return { key: read('key.pem'), cert: read('cert.pem'), peerCert: read('peer.pem'), peerFingerprint: read('peer.sha256').trim() };
}

/** The peer name in the ephemeral certificates' subjectAltName (see certs/src/x509.ts). */
export const PEER_SERVERNAME = 'sft-peer';
/** The tuned copy's file read size. */
export const COPY_CHUNK = 1024 * 1024;
/** The tuned copy's write buffer (socket and output file high-water mark). */
export const COPY_WRITE_BUFFER = 4 * 1024 * 1024;

/** How the raw TLS copy is set up: `tuned` (the ceiling) or Node's `default` streams. */
export type CopyMode = 'tuned' | 'default';

export function parseCopyMode(arg: string | undefined): CopyMode {
  if (arg === undefined || arg === 'tuned') return 'tuned';
  if (arg === 'default') return 'default';
  throw new Error(`unknown copy mode ${arg} (tuned or default)`);
}
