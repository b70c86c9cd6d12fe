/**
 * Which server to talk to and which CA to trust, and the logged-in user for it.
 * Server: --server, else SFT_SERVER, else the remembered one, else https://localhost:8443.
 * CA: --ca FILE, else SFT_CA FILE, else the PEM remembered for that server (else the system roots).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ApiClient } from '../api/api-client';
import { ExitCode, ExitError, usageError } from '../errors';
import type { Credentials } from '../state/credentials-file';
import type { StoredIdentity } from '../state/identity-file';
import type { Deps, GlobalOptions } from './deps';

export const DEFAULT_SERVER = 'https://localhost:8443';

export interface Connection {
  serverUrl: string;
  /** CA PEM to trust, if any. */
  ca?: string;
  /** True when the CA came from --ca / SFT_CA (so it is worth remembering). */
  caFromArgs: boolean;
}

export interface LoggedIn {
  connection: Connection;
  api: ApiClient;
  credentials: Credentials;
}

export async function resolveConnection(opts: GlobalOptions, deps: Deps): Promise<Connection> {
  const raw = opts.server ?? nonEmpty(deps.env.SFT_SERVER) ?? (await deps.state.config.server()) ?? DEFAULT_SERVER;
  const serverUrl = normalizeServerUrl(raw);
  const caFile = opts.ca ?? nonEmpty(deps.env.SFT_CA);
  if (caFile) return { serverUrl, ca: await readCaFile(path.resolve(deps.cwd, caFile)), caFromArgs: true };
  return { serverUrl, ca: await deps.state.config.caFor(serverUrl), caFromArgs: false };
}

/** The API client and stored credentials for the current server; exit 3 when not logged in. */
export async function requireLogin(opts: GlobalOptions, deps: Deps): Promise<LoggedIn> {
  const connection = await resolveConnection(opts, deps);
  const credentials = await deps.state.credentials.get(connection.serverUrl);
  if (!credentials) {
    throw new ExitError(ExitCode.NotAllowed, `You are not logged in to ${connection.serverUrl}.`, 'Run `sft login` (or `sft register`) first.');
  }
  const api = deps.api({ serverUrl: connection.serverUrl, ca: connection.ca, token: credentials.token });
  return { connection, api, credentials };
}

/** The local identity key of the logged-in user; exit 1 with advice when this machine has none. */
export async function requireIdentity(deps: Deps, serverUrl: string, username: string): Promise<StoredIdentity> {
  const identity = await deps.state.identities.get(serverUrl, username);
  if (!identity) {
    throw new ExitError(ExitCode.Failure, `There is no identity key for ${username} on this machine.`, 'Run `sft login` to make and upload one.');
  }
  return identity;
}

export function normalizeServerUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`"${raw}" is not a valid server URL.`, 'Use a URL such as https://sft.example.com:8443.');
  }
  if (url.protocol !== 'https:') throw usageError(`The server URL must use https:// (got ${raw}).`);
  return url.origin;
}

async function readCaFile(file: string): Promise<string> {
  let pem: string;
  try {
    pem = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw usageError(`Cannot read the CA certificate ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw usageError(`${file} does not contain a PEM certificate.`);
  return pem;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() ? value.trim() : undefined;
}
