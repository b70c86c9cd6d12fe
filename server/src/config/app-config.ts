import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { withPasswordFromFile } from './database-password';
import type { ServerOptions } from './server-options';
import { ConfigError } from './config-error';

/** The database the server talks to, parsed from a URL. */
export type DatabaseConfig =
  | { type: 'sqlite'; path: string }
  | { type: 'mysql'; url: string };

/**
 * The server's validated configuration. Built once at start by `AppConfig.load`, which throws
 * a one-line Error naming the bad setting; everything else reads these typed fields.
 */
export class AppConfig {
  readonly port: number;
  /** The port of the relay started beside the server, or null for none. */
  readonly relayPort: number | null;
  readonly host: string;
  readonly dataDir: string;
  readonly database: DatabaseConfig;
  readonly tlsCertFile: string | null;
  readonly tlsKeyFile: string | null;
  readonly sessionTtlSeconds: number;
  readonly transferTimeoutSeconds: number;
  /** Seconds an interrupted session may take to resume before it closes `failed` (SFT_RESUME_TIMEOUT). */
  readonly resumeTimeoutSeconds: number;
  readonly sweepIntervalMs: number;
  readonly bcryptCost: number;
  readonly tokenTtlSeconds: number;
  readonly loginLimit: number;
  readonly loginAddressLimit: number;
  readonly loginWindowSeconds: number;
  readonly sessionLookupLimit: number;
  /** How often a long-poll re-reads its session even without a wake-up (the fallback when wake-ups are lost). */
  readonly waitRecheckMs: number;
  /** Redis shared by several servers (limits, wake-ups, sweeper lock), or null: one server, all in process. */
  readonly redisUrl: string | null;
  /** Prefix of every Redis key and channel, so several deployments (or test runs) can share one Redis. */
  readonly redisPrefix: string;
  /** Stored deliveries (issue 13): where the ciphertext lives, per-account quota and largest delivery, in bytes. */
  readonly storeDir: string;
  readonly storeQuotaBytes: number;
  readonly storeMaxBytes: number;
  /** Seconds a stored delivery waits for its recipient by default, and at most. */
  readonly deliveryTtlSeconds: number;
  readonly deliveryMaxTtlSeconds: number;
  readonly quiet: boolean;
  /** Environment the secrets are read from (SFT_JWT_SECRET, SFT_MASTER_KEY). */
  readonly env: NodeJS.ProcessEnv;

  private constructor(fields: Omit<AppConfig, never>) {
    Object.assign(this, fields);
    Object.freeze(this);
  }

  static load(options: ServerOptions = {}): AppConfig {
    const env = options.env ?? process.env;
    const read = new SettingReader(env);
    const dataDir = resolve(options.dataDir ?? env.SFT_DATA_DIR ?? join(homedir(), '.local', 'share', 'sft-server'));
    const tlsCertFile = options.tlsCertFile ?? env.SFT_TLS_CERT ?? null;
    const tlsKeyFile = options.tlsKeyFile ?? env.SFT_TLS_KEY ?? null;
    if ((tlsCertFile === null) !== (tlsKeyFile === null)) {
      throw new ConfigError('SFT_TLS_CERT and SFT_TLS_KEY must be given together.');
    }
    const bcryptCost = read.integer('bcryptCost', options.bcryptCost, 'SFT_BCRYPT_COST', 12, 12, 20);
    const storeQuotaBytes = read.integer('storeQuota', options.storeQuota, 'SFT_STORE_QUOTA', 2 * GIB, 0, Number.MAX_SAFE_INTEGER);
    const deliveryMaxTtlSeconds = read.integer(
      'deliveryMaxTtlSeconds', options.deliveryMaxTtlSeconds, 'SFT_DELIVERY_MAX_TTL', 30 * 86400, 60, 365 * 86400,
    );
    return new AppConfig({
      port: read.integer('port', options.port, 'SFT_PORT', 8443, 0, 65535),
      host: read.text('host', options.host, 'SFT_HOST', '127.0.0.1'),
      relayPort: relayPortOf(options, read),
      dataDir,
      database: withPasswordFromFile(
        parseDatabaseUrl(options.dbUrl ?? env.SFT_DB_URL ?? `sqlite:${join(dataDir, 'sft.sqlite')}`),
        env.SFT_DB_PASSWORD_FILE,
      ),
      tlsCertFile,
      tlsKeyFile,
      sessionTtlSeconds: read.integer('sessionTtlSeconds', options.sessionTtlSeconds, 'SFT_SESSION_TTL', 600, 1, 7 * 86400),
      transferTimeoutSeconds: read.integer(
        'transferTimeoutSeconds', options.transferTimeoutSeconds, 'SFT_TRANSFER_TIMEOUT', 86400, 1, 30 * 86400,
      ),
      resumeTimeoutSeconds: read.integer(
        'resumeTimeoutSeconds', options.resumeTimeoutSeconds, 'SFT_RESUME_TIMEOUT', 600, 1, 30 * 86400,
      ),
      sweepIntervalMs: Math.round(
        1000 * read.number('sweepIntervalSeconds', options.sweepIntervalSeconds, 'SFT_SWEEP_INTERVAL', 30, 0.05, 3600),
      ),
      bcryptCost,
      tokenTtlSeconds: read.integer('tokenTtlSeconds', options.tokenTtlSeconds, 'SFT_TOKEN_TTL', 3600, 1, 30 * 86400),
      loginLimit: read.integer('loginLimit', options.loginLimit, 'SFT_LOGIN_LIMIT', 10, 1, 1_000_000),
      loginAddressLimit: read.integer(
        'loginAddressLimit', options.loginAddressLimit, 'SFT_LOGIN_ADDRESS_LIMIT', 100, 1, 1_000_000,
      ),
      loginWindowSeconds: read.integer('loginWindowSeconds', options.loginWindowSeconds, 'SFT_LOGIN_WINDOW', 900, 1, 86400),
      sessionLookupLimit: read.integer(
        'sessionLookupLimit', options.sessionLookupLimit, 'SFT_SESSION_LOOKUP_LIMIT', 30, 1, 1_000_000,
      ),
      waitRecheckMs: Math.round(
        1000 * read.number('waitRecheckSeconds', options.waitRecheckSeconds, 'SFT_WAIT_RECHECK', 1, 0.05, 60),
      ),
      redisUrl: parseRedisUrl(options.redisUrl ?? env.SFT_REDIS_URL),
      redisPrefix: read.text('redisPrefix', options.redisPrefix, 'SFT_REDIS_PREFIX', 'sft:'),
      storeDir: resolve(options.storeDir ?? env.SFT_STORE_DIR ?? join(dataDir, 'deliveries')),
      storeQuotaBytes,
      storeMaxBytes: read.integer('storeMaxBytes', options.storeMaxBytes, 'SFT_STORE_MAX_BYTES', Math.min(GIB, storeQuotaBytes), 0, storeQuotaBytes),
      deliveryTtlSeconds: read.integer('deliveryTtlSeconds', options.deliveryTtlSeconds, 'SFT_DELIVERY_TTL', Math.min(7 * 86400, deliveryMaxTtlSeconds), 60, deliveryMaxTtlSeconds),
      deliveryMaxTtlSeconds,
      quiet: options.quiet ?? false,
      env,
    });
  }
}

const GIB = 1024 ** 3;

/** Parses 'sqlite:PATH' (relative paths are resolved) or 'mysql://…'. */
export function parseDatabaseUrl(url: string): DatabaseConfig {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') throw new ConfigError('the database URL "sqlite:" needs a file path.');
    return { type: 'sqlite', path: path === ':memory:' ? path : isAbsolute(path) ? path : resolve(path) };
  }
  if (url.startsWith('mysql://')) {
    try {
      new URL(url);
    } catch {
      throw new ConfigError('the database URL is not a valid mysql:// URL.');
    }
    return { type: 'mysql', url };
  }
  throw new ConfigError('the database URL must start with "sqlite:" or "mysql://".');
}

/** 'redis://…' or 'rediss://…' (TLS); empty or absent means no Redis. */
export function parseRedisUrl(url: string | undefined): string | null {
  if (url === undefined || url.trim() === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('the Redis URL (SFT_REDIS_URL) is not a valid redis:// URL.');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigError('the Redis URL (SFT_REDIS_URL) must start with "redis://" or "rediss://".');
  }
  return url;
}

/** Reads one setting from an option, else the environment, else a default — and checks its range. */
class SettingReader {
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  number(name: string, option: number | undefined, envName: string, fallback: number, min: number, max: number): number {
    const raw = option ?? this.env[envName];
    if (raw === undefined || raw === '') return fallback;
    const value = typeof raw === 'number' ? raw : Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      throw new ConfigError(`${name} (${envName}) must be a number from ${min} to ${max}, got "${raw}".`);
    }
    return value;
  }

  integer(name: string, option: number | undefined, envName: string, fallback: number, min: number, max: number): number {
    const value = this.number(name, option, envName, fallback, min, max);
    if (!Number.isInteger(value)) {
      throw new ConfigError(`${name} (${envName}) must be a whole number, got "${value}".`);
    }
    return value;
  }

  text(name: string, option: string | undefined, envName: string, fallback: string): string {
    const value = option ?? this.env[envName] ?? fallback;
    if (value.trim() === '') throw new ConfigError(`${name} (${envName}) must not be empty.`);
    return value;
  }
}

/** The relay port: none when turned off; relayPort, else SFT_RELAY_PORT, else 8444 when started by default. */
function relayPortOf(options: ServerOptions, read: SettingReader): number | null {
  if (options.relay === 'off' || options.relayPort === null) return null;
  if (options.relay !== 'default' && options.relayPort === undefined) return null;
  return read.integer('relayPort', options.relayPort, 'SFT_RELAY_PORT', 8444, 0, 65535);
}
