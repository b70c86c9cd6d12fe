/**
 * Several real `sft server` processes that act as one: the same MySQL database, the same Redis (under a
 * key prefix of the test's own), the same secrets (SFT_JWT_SECRET, SFT_MASTER_KEY) and the same TLS
 * certificate (from a test CA), each on its own loopback port and data dir. Each can be SIGKILLed and
 * started again on its port; a load balancer (load-balancer.ts) can put them behind one address.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { makeCa, makeServerCert } from '../../../certs/src/x509';
import { ApiClient } from '../../../server/test/support/https-client';
import { freePort } from '../../support/free-port';
import { makeTempDir, spawnSft, type SftProcess, type SftServer } from '../../support/sft-process';

export interface ClusterOptions {
  dbUrl: string;
  redisUrl: string;
  /** Environment for every server (limits, SFT_WAIT_RECHECK, …). */
  env?: NodeJS.ProcessEnv;
}

/** One server of the cluster. `process` is the current one (a restart makes a new one). */
export class ClusterServer {
  private current!: SftProcess;
  /** Output of every run of this server, the current one last. */
  private readonly earlier: { stdout: string; stderr: string }[] = [];

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly dataDir: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
    readonly api: ApiClient,
  ) {}

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  get process(): SftProcess {
    return this.current;
  }

  /** stdout of every run so far. */
  get stdout(): string {
    return [...this.earlier.map((run) => run.stdout), this.current.stdout].join('');
  }

  get stderr(): string {
    return [...this.earlier.map((run) => run.stderr), this.current.stderr].join('');
  }

  async start(): Promise<void> {
    if (this.current) this.earlier.push({ stdout: this.current.stdout, stderr: this.current.stderr });
    this.current = spawnSft(['server', '--port', String(this.port), '--no-relay', '--host', '127.0.0.1', '--data-dir', this.dataDir, ...this.args], { env: this.env });
    await this.current.waitForStdout(/^sft server listening on /m);
  }

  /** SIGKILL: no shutdown hook runs, in-flight requests are cut. */
  async kill(): Promise<void> {
    this.current.kill('SIGKILL');
    await this.current.done;
  }

  async stop(): Promise<void> {
    if (this.current.child.exitCode === null && this.current.child.signalCode === null) {
      this.current.kill('SIGTERM');
      await this.current.done;
    }
    await fs.rm(this.dataDir, { recursive: true, force: true });
  }
}

export interface Cluster {
  servers: ClusterServer[];
  caCertPath: string;
  caPem: string;
  /** An SftServer view of `url` (e.g. the load balancer's) for SftUser. */
  asSftServer(url: string, process: SftProcess): SftServer;
  stop(): Promise<void>;
}

/** Starts `count` servers (named A, B, …) that share the database, Redis, secrets and certificate. */
export async function startCluster(count: number, options: ClusterOptions): Promise<Cluster> {
  const dir = await makeTempDir('sft-scale-');
  const ca = await makeCa('sft scale test CA');
  const cert = await makeServerCert(ca, ['127.0.0.1', 'localhost']);
  const caCertPath = path.join(dir, 'ca.pem');
  await fs.writeFile(caCertPath, ca.certPem);
  await fs.writeFile(path.join(dir, 'server.pem'), cert.certPem);
  await fs.writeFile(path.join(dir, 'server.key'), cert.keyPem, { mode: 0o600 });
  const env: NodeJS.ProcessEnv = {
    SFT_JWT_SECRET: randomBytes(32).toString('base64'),
    SFT_MASTER_KEY: randomBytes(32).toString('base64'),
    SFT_TLS_CERT: path.join(dir, 'server.pem'),
    SFT_TLS_KEY: path.join(dir, 'server.key'),
    SFT_LOGIN_ADDRESS_LIMIT: '10000',
    SFT_LOGIN_LIMIT: '1000',
    ...options.env,
  };
  const servers: ClusterServer[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    const name = String.fromCharCode(65 + i);
    const server = new ClusterServer(
      name,
      port,
      await makeTempDir(`sft-scale-${name}-`),
      ['--db', options.dbUrl, '--redis', options.redisUrl],
      env,
      new ApiClient(`https://127.0.0.1:${port}`, ca.certPem),
    );
    servers.push(server);
  }
  await Promise.all(servers.map((server) => server.start()));
  return {
    servers,
    caCertPath,
    caPem: ca.certPem,
    asSftServer: (url, process) => ({ url, caCertPath, dataDir: dir, process, stop: async () => undefined }),
    stop: async () => {
      await Promise.all(servers.map((server) => server.stop()));
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
