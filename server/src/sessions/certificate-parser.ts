import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** What OpenSSL read from one PEM certificate: its validity window and the SHA-256 of its DER (lowercase hex). */
export interface ParsedCertificate {
  validFromMs: number;
  validToMs: number;
  fingerprint: string;
}

/**
 * Parses PEM certificates with node:crypto's X509Certificate (OpenSSL) on worker threads. The parse is the same
 * one the request thread did before; it costs a few hundred microseconds, almost all of it OpenSSL 3.0 decoding
 * the public key, which on the request thread was a fifth of the server's time per session. The answer is
 * null when OpenSSL refuses the certificate. A worker that dies fails its pending parses and is replaced on the
 * next call. Workers are unreferenced while idle, so they never keep the process alive.
 */
export class CertificateParser {
  private readonly workers: ParserWorker[] = [];

  constructor(private readonly size = defaultPoolSize()) {}

  parse(pem: string): Promise<ParsedCertificate | null> {
    return this.leastBusy().parse(pem);
  }

  /** Stops every worker; pending parses fail. */
  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((worker) => worker.close()));
  }

  private leastBusy(): ParserWorker {
    for (let i = this.workers.length - 1; i >= 0; i--) if (this.workers[i].dead) this.workers.splice(i, 1);
    const idle = this.workers.find((worker) => worker.pending === 0);
    if (idle) return idle;
    if (this.workers.length < this.size) {
      const worker = new ParserWorker();
      this.workers.push(worker);
      return worker;
    }
    return this.workers.reduce((best, worker) => (worker.pending < best.pending ? worker : best));
  }
}

/** One worker per spare core, at least one and at most four: the request thread keeps a core of its own. */
function defaultPoolSize(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

/** The worker's code (CommonJS, evaluated): parse, answer `{ id, parsed }`; `parsed` is null when OpenSSL refuses. */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash, X509Certificate } = require('node:crypto');
parentPort.on('message', ({ id, pem }) => {
  let parsed = null;
  try {
    const cert = new X509Certificate(pem);
    parsed = {
      validFromMs: new Date(cert.validFrom).getTime(),
      validToMs: new Date(cert.validTo).getTime(),
      fingerprint: createHash('sha256').update(cert.raw).digest('hex'),
    };
  } catch {
    parsed = null;
  }
  parentPort.postMessage({ id, parsed });
});
`;

interface Pending {
  resolve(parsed: ParsedCertificate | null): void;
  reject(error: Error): void;
}

class ParserWorker {
  dead = false;
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Pending>();
  private nextId = 0;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.unref();
    this.worker.on('message', ({ id, parsed }: { id: number; parsed: ParsedCertificate | null }) => {
      const pending = this.waiting.get(id);
      if (!pending) return;
      this.waiting.delete(id);
      if (this.waiting.size === 0) this.worker.unref();
      pending.resolve(parsed);
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the certificate parser stopped (exit code ${code})`)));
  }

  get pending(): number {
    return this.waiting.size;
  }

  parse(pem: string): Promise<ParsedCertificate | null> {
    if (this.dead) return Promise.reject(new Error('the certificate parser stopped'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, pem });
    });
  }

  async close(): Promise<void> {
    this.fail(new Error('the certificate parser stopped'));
    await this.worker.terminate();
  }

  private fail(error: Error): void {
    this.dead = true;
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const pending of waiting) pending.reject(error);
  }
}
