import type { ConnectionLimits } from './connection-limits';

/** Options for `startServer`. Each falls back to an environment variable, then to a default. */
export interface ServerOptions {
  /** Default 8443 (env SFT_PORT); 0 = any free port. */
  port?: number;
  /** Address to bind. Default '127.0.0.1' (env SFT_HOST). */
  host?: string;
  /** 'sqlite:PATH' or 'mysql://user:pass@host:port/db' (env SFT_DB_URL). Default: sqlite in the data dir. */
  dbUrl?: string;
  /** Holds the SQLite database, master key, JWT secret and local CA (env SFT_DATA_DIR, default ~/.local/share/sft-server). */
  dataDir?: string;
  /** PEM certificate and key to serve (env SFT_TLS_CERT / SFT_TLS_KEY); otherwise a local CA is made in the data dir. */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** Seconds an unjoined session stays open (env SFT_SESSION_TTL, default 600). */
  sessionTtlSeconds?: number;
  /** Seconds a joined session may wait for both reports (env SFT_TRANSFER_TIMEOUT, default 86400). */
  transferTimeoutSeconds?: number;
  /** Seconds an interrupted session may take to resume before it closes failed (env SFT_RESUME_TIMEOUT, default 600). */
  resumeTimeoutSeconds?: number;
  /** Seconds between expiry sweeps (env SFT_SWEEP_INTERVAL, default 30; fractions allowed). */
  sweepIntervalSeconds?: number;
  /** bcrypt cost, at least 12 (env SFT_BCRYPT_COST, default 12). */
  bcryptCost?: number;
  /** Seconds a login token is valid (env SFT_TOKEN_TTL, default 3600). */
  tokenTtlSeconds?: number;
  /** Login attempts per account per window (env SFT_LOGIN_LIMIT, default 10). */
  loginLimit?: number;
  /** Login and register attempts per client address per window (env SFT_LOGIN_ADDRESS_LIMIT, default 100). */
  loginAddressLimit?: number;
  /** Rate-limit window in seconds (env SFT_LOGIN_WINDOW, default 900). */
  loginWindowSeconds?: number;
  /** Lookups of unknown session ids per user per window before 429 (env SFT_SESSION_LOOKUP_LIMIT, default 30). */
  sessionLookupLimit?: number;
  /** Seconds between a long-poll's re-reads of its session when no wake-up comes (env SFT_WAIT_RECHECK, default 1). */
  waitRecheckSeconds?: number;
  /** redis://… shared by several servers (env SFT_REDIS_URL). Default: none, limits and wake-ups stay in process. */
  redisUrl?: string;
  /** Prefix of the server's Redis keys and channels (env SFT_REDIS_PREFIX, default 'sft:'). */
  redisPrefix?: string;
  /** Directory of stored delivery ciphertext (env SFT_STORE_DIR, default <dataDir>/deliveries). */
  storeDir?: string;
  /** Bytes of stored deliveries one account may have waiting (env SFT_STORE_QUOTA, default 2 GiB). */
  storeQuota?: number;
  /** Largest stored delivery in bytes (env SFT_STORE_MAX_BYTES, default 1 GiB, at most the quota). */
  storeMaxBytes?: number;
  /** Default seconds a stored delivery waits (env SFT_DELIVERY_TTL, default 7 days). */
  deliveryTtlSeconds?: number;
  /** Most seconds a sender may ask a stored delivery to wait (env SFT_DELIVERY_MAX_TTL, default 30 days). */
  deliveryMaxTtlSeconds?: number;
  /** Deadlines for slow or stalled clients (slowloris); see connection-limits.ts. Not read from the environment. */
  connectionLimits?: Partial<ConnectionLimits>;
  /**
   * Start the relay (relay/src) beside the server, with the server's certificate: 'default' (what
   * `sft server` passes) starts it on relayPort / SFT_RELAY_PORT / 8444; absent or 'off' starts none,
   * unless relayPort is given. Tickets name it, unless SFT_RELAY_URL is set.
   */
  relay?: 'default' | 'off';
  /** The relay's port (0 = any free port); null = no relay here. */
  relayPort?: number | null;
  /** No request logs on stdout. */
  quiet?: boolean;
  /** Environment to read instead of process.env (tests). */
  env?: NodeJS.ProcessEnv;
}
