/**
 * Options for a relay that runs on its own (`sft relay`): its certificate and the ticket key's public
 * half come from the environment, or from a server data dir on the same machine.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { relayLimits } from './relay-limits';
import type { RelayOptions } from './relay-server';
import { publicKeyFromBase64 } from './ticket';

export interface StandaloneSettings {
  port?: number;
  host?: string;
  url?: string;
  /** A server data dir to read `relay-ticket.pub` and `tls/server.pem` + `tls/server-key.pem` from. */
  dataDir?: string;
  env: NodeJS.ProcessEnv;
}

/**
 * SFT_RELAY_PUBLIC_KEY, else `<dataDir>/relay-ticket.pub`; SFT_TLS_CERT + SFT_TLS_KEY, else the
 * server certificate in `<dataDir>/tls/`. Port, host and URL: the settings, else SFT_RELAY_PORT,
 * SFT_RELAY_HOST, SFT_RELAY_URL, else 8444, 127.0.0.1, tls://<host>:<port>. Throws one-line Errors.
 */
export function standaloneRelayOptions(settings: StandaloneSettings): RelayOptions {
  const { env } = settings;
  const dataDir = settings.dataDir ?? env.SFT_DATA_DIR;
  const publicKeyText = env.SFT_RELAY_PUBLIC_KEY || readIfThere(dataDir, 'relay-ticket.pub');
  if (!publicKeyText) {
    throw new Error(
      'The relay needs the server\'s ticket key: set SFT_RELAY_PUBLIC_KEY to the contents of relay-ticket.pub in the server\'s data dir (or pass --data-dir).',
    );
  }
  const certFile = env.SFT_TLS_CERT || (dataDir ? join(dataDir, 'tls', 'server.pem') : undefined);
  const keyFile = env.SFT_TLS_KEY || (dataDir ? join(dataDir, 'tls', 'server-key.pem') : undefined);
  if (!certFile || !keyFile || !existsSync(certFile) || !existsSync(keyFile)) {
    throw new Error('The relay needs a TLS certificate: set SFT_TLS_CERT and SFT_TLS_KEY (PEM files), or pass the server\'s --data-dir.');
  }
  return {
    port: settings.port ?? portFrom(env.SFT_RELAY_PORT) ?? 8444,
    host: settings.host ?? env.SFT_RELAY_HOST ?? '127.0.0.1',
    url: settings.url ?? (env.SFT_RELAY_URL || undefined),
    publicKey: publicKeyFromBase64(publicKeyText.trim(), 'SFT_RELAY_PUBLIC_KEY'),
    tls: { certPem: readPem(certFile, 'SFT_TLS_CERT'), keyPem: readPem(keyFile, 'SFT_TLS_KEY') },
    limits: relayLimits(env),
  };
}

function readIfThere(dir: string | undefined, name: string): string | undefined {
  if (!dir) return undefined;
  const file = join(dir, name);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

function readPem(file: string, setting: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read ${setting} file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`);
  }
}

function portFrom(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new Error(`Invalid configuration: SFT_RELAY_PORT must be a port number, got "${value}".`);
  return port;
}
