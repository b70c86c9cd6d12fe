/** `sft server [--port N] [--host H] [--db URL] [--data-dir D]`: run the server until SIGINT/SIGTERM. */
import { formatFingerprint } from '../../../certs/src/x509';
import type { Deps, GlobalOptions } from './deps';

export interface ServerCommandOptions extends GlobalOptions {
  port?: number;
  host?: string;
  db?: string;
  dataDir?: string;
  relayPort?: number;
  /** false with --no-relay. */
  relay?: boolean;
}

export async function server(opts: ServerCommandOptions, deps: Deps): Promise<void> {
  const running = await (await loadServer()).startServer({
    port: opts.port ?? numberOrUndefined(deps.env.SFT_PORT) ?? 8443,
    host: opts.host ?? deps.env.SFT_HOST ?? '127.0.0.1',
    dbUrl: opts.db ?? deps.env.SFT_DB_URL,
    dataDir: opts.dataDir ?? deps.env.SFT_DATA_DIR,
    tlsCertFile: deps.env.SFT_TLS_CERT,
    tlsKeyFile: deps.env.SFT_TLS_KEY,
    relayPort: opts.relay === false ? null : opts.relayPort ?? numberOrUndefined(deps.env.SFT_RELAY_PORT) ?? 8444,
    env: deps.env,
  });
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

function numberOrUndefined(value: string | undefined): number | undefined {
  return value && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** Loaded on demand: the server pulls in NestJS and TypeORM, which the other commands do not need. */
function loadServer(): Promise<typeof import('../../../server/src/main')> {
  return import('../../../server/src/main');
}
