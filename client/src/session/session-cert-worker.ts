/**
 * The worker thread behind session-cert.ts: makes one ephemeral certificate with certs/src/x509.ts and
 * posts it back (key included: it stays inside this process), then ends. @peculiar/x509 and its ASN.1
 * libraries load here and go with the thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { makeEphemeralCert } from '../../../certs/src/x509';

const { commonName } = workerData as { commonName: string };
makeEphemeralCert(commonName).then(
  (cert) => parentPort!.postMessage({ cert }),
  (error: unknown) => parentPort!.postMessage({ error: (error as Error)?.message ?? String(error) }),
);
