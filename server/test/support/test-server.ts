import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer, type ServerOptions } from '../../src/main';
import { ApiClient } from './https-client';
import { createFreshMysqlDatabase } from './mysql';

export interface TestServerOptions {
  /** 'sqlite:…' (default: in the temp data dir) or 'mysql://…' — for MySQL a fresh database is made on that server and dropped on close. */
  dbUrl?: string;
  /** Environment the server reads (SFT_*). process.env is not used, so runs stay isolated. */
  env?: NodeJS.ProcessEnv;
  /** Any other startServer options (port, sessionTtlSeconds, …). */
  options?: Omit<ServerOptions, 'dbUrl' | 'env' | 'dataDir'>;
  /** For a mysql:// dbUrl: make a fresh database on that server (default true) or use the URL's database as is. */
  freshDatabase?: boolean;
  /** Reuse a data dir (e.g. to restart on the same database and keys); not deleted on close. */
  dataDir?: string;
}

export interface TestServer {
  url: string;
  caCertPath: string;
  caPem: string;
  server: RunningServer;
  dataDir: string;
  /** The database URL the server actually uses (the fresh MySQL database, or sqlite:…). */
  dbUrl: string;
  /** An HTTPS JSON client that trusts this server's CA. */
  api: ApiClient;
  close(): Promise<void>;
}

/**
 * Starts the real server on 127.0.0.1 and a free port, in a temp data dir, quiet.
 * `close()` stops it and removes the temp dir (and the fresh MySQL database).
 */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const ownDataDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'sft-server-test-'));
  const mysql = opts.dbUrl?.startsWith('mysql://') && opts.freshDatabase !== false ? await createFreshMysqlDatabase(opts.dbUrl) : null;
  const dbUrl = mysql?.url ?? opts.dbUrl ?? `sqlite:${join(dataDir, 'sft.sqlite')}`;
  const cleanUp = async () => {
    await mysql?.drop();
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  let server: RunningServer;
  try {
    server = await startServer({ port: 0, host: '127.0.0.1', quiet: true, ...opts.options, dbUrl, dataDir, env: opts.env ?? {} });
  } catch (error) {
    await cleanUp();
    throw error;
  }
  if (!server.caCertPath) throw new Error('startTestServer expects a generated CA (do not set SFT_TLS_CERT).');
  const caPem = readFileSync(server.caCertPath, 'utf8');
  return {
    url: server.url,
    caCertPath: server.caCertPath,
    caPem,
    server,
    dataDir,
    dbUrl,
    api: new ApiClient(server.url, caPem),
    close: async () => {
      try {
        await server.close();
      } finally {
        await cleanUp();
      }
    },
  };
}
