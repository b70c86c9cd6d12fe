/**
 * This run's ephemeral TLS certificate for the peer link (certs/src/x509.ts), made on a short-lived
 * worker thread. @peculiar/x509 and the ASN.1 libraries under it take about a tenth of a second to
 * load and a few MiB of heap that would stay for the whole transfer: every garbage collection of a
 * transfer marks the whole heap, and the peak RSS target is per process. On the thread they load, make
 * one certificate and go. Run from the TypeScript sources (unit tests) there is no compiled worker file
 * beside this one, and the certificate is made in place, as before.
 *
 * `host-session` and `join` start it before they load the rest of their code (commands/index.ts), so the
 * thread works while the main thread loads and reads the local state; the session runner takes it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { KeyAndCert } from '../../../certs/src/x509';

const WORKER_FILE = join(__dirname, 'session-cert-worker.js');
/**
 * The subject of every peer-link certificate. Peers pin the exact certificate (its fingerprint, through
 * the server) and check the name `sft-peer` in it; the subject carries nothing anyone checks.
 */
const PEER_COMMON_NAME = 'sft peer';

/** A certificate started ahead by `startSessionCert` and not yet taken. */
let prepared: Promise<KeyAndCert> | undefined;

/** Starts making a certificate now, for the next `takeSessionCert` (a no-op while one is waiting). */
export function startSessionCert(): void {
  if (prepared) return;
  prepared = makeSessionCert(PEER_COMMON_NAME);
  prepared.catch(() => undefined); // taken and awaited later; a failure must not go unhandled meanwhile
}

/** The certificate started ahead, or a new one: each run of a session side has its own. */
export function takeSessionCert(): Promise<KeyAndCert> {
  const cert = prepared ?? makeSessionCert(PEER_COMMON_NAME);
  prepared = undefined;
  return cert;
}

async function makeSessionCert(commonName: string): Promise<KeyAndCert> {
  if (!existsSync(WORKER_FILE)) return (await import('../../../certs/src/x509')).makeEphemeralCert(commonName);
  const worker = new Worker(WORKER_FILE, { workerData: { commonName } });
  try {
    return await new Promise<KeyAndCert>((resolve, reject) => {
      worker.once('message', (answer: { cert?: KeyAndCert; error?: string }) =>
        answer.cert ? resolve(answer.cert) : reject(new Error(`Cannot make the session certificate: ${answer.error ?? 'no reason given'}`)),
      );
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`The certificate thread ended (code ${code}) before it answered.`)));
    });
  } finally {
    void worker.terminate();
  }
}
