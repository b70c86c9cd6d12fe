/** `sft server [--port N] [--host H] [--db URL] [--data-dir D] [--redis URL]`: run the server until SIGINT/SIGTERM. */
import { formatFingerprint } from '../../../certs/src/fingerprint';
import { usageError } from '../errors';
import type { Deps, GlobalOptions } from './deps';
import { loadServer } from './load-server';

export interface ServerCommandOptions extends GlobalOptions {
  port?: number;
  host?: string;
  db?: string;
  dataDir?: string;
  redis?: string;
  relayPort?: number;
  /** false with --no-relay. */
  relay?: boolean;
}

/**
 * Options go to the server as given; the server's AppConfig alone falls back to the environment
 * (SFT_PORT, SFT_HOST, SFT_DB_URL, SFT_DATA_DIR, SFT_REDIS_URL, SFT_TLS_CERT/KEY, …) and checks every value.
 * A bad setting is a usage error (exit 2) with AppConfig's one-line message.
 */
export async function server(opts: ServerCommandOptions, deps: Deps): Promise<void> {
  const { startServer, ConfigError } = await loadServer();
  const running = await startServer({
    port: opts.port,
    host: opts.host,
    dbUrl: opts.db,
    dataDir: opts.dataDir,
    relay: opts.relay === false ? 'off' : 'default',
    relayPort: opts.relayPort,
    redisUrl: opts.redis,
    env: deps.env,
  }).catch(
    (error: unknown) => {
      throw error instanceof ConfigError ? usageError(error.message) : error;
    },
  );
  const lines = [`sft server listening on ${running.url}`];
  if (running.caCertPath) lines.push(`CA certificate: ${running.caCertPath}`);
  if (running.caFingerprint) lines.push(`CA fingerprint (SHA-256): ${formatFingerprint(running.caFingerprint)}`);
  if (running.relayUrl) lines.push(`Relay: ${running.relayUrl}${running.relay ? ' (started here)' : ''}`);
  deps.reporter.result(
    'listening',
    { url: running.url, port: running.port, caCertificate: running.caCertPath ?? null, caFingerprint: running.caFingerprint ?? null, relay: running.relayUrl },
    lines,
  );
  await untilAborted(deps.signal);
  deps.reporter.step('stopping', {}, 'Stopping the server...');
  await running.close();
  deps.reporter.step('stopped', {}, 'Server stopped.');
}

function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal) return; // No way to be stopped: run until the process ends.
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
