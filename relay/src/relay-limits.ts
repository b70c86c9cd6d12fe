/** The relay's abuse limits: defaults, and reading them from the environment (SFT_RELAY_*). */

export interface RelayLimits {
  /** Time from the TCP connection to a complete opening line (TLS handshake included). */
  openingTimeoutMs: number;
  /** Time an accepted connection waits for the other participant. */
  pairTimeoutMs: number;
  /** A pair with no byte in either direction for this long is closed. */
  idleTimeoutMs: number;
  /** A pair is closed this long after it was made, whatever it is doing. */
  maxLifetimeMs: number;
  /** Sessions (waiting or paired) at the same time, all accounts together. */
  maxSessions: number;
  /** Connections (waiting or paired) of one account at the same time. */
  maxPerAccount: number;
  /** Connections from one address that have not finished their opening line. */
  maxPendingPerAddress: number;
}

export const DEFAULT_RELAY_LIMITS: RelayLimits = Object.freeze({
  openingTimeoutMs: 10_000,
  pairTimeoutMs: 60_000,
  idleTimeoutMs: 300_000,
  maxLifetimeMs: 86_400_000,
  maxSessions: 200,
  maxPerAccount: 8,
  maxPendingPerAddress: 16,
});

const SETTINGS: { key: keyof RelayLimits; env: string; scale: number; min: number; max: number }[] = [
  { key: 'openingTimeoutMs', env: 'SFT_RELAY_OPENING_TIMEOUT', scale: 1000, min: 0.05, max: 600 },
  { key: 'pairTimeoutMs', env: 'SFT_RELAY_PAIR_TIMEOUT', scale: 1000, min: 0.05, max: 86_400 },
  { key: 'idleTimeoutMs', env: 'SFT_RELAY_IDLE_TIMEOUT', scale: 1000, min: 0.05, max: 86_400 },
  { key: 'maxLifetimeMs', env: 'SFT_RELAY_MAX_LIFETIME', scale: 1000, min: 1, max: 30 * 86_400 },
  { key: 'maxSessions', env: 'SFT_RELAY_MAX_SESSIONS', scale: 1, min: 1, max: 1_000_000 },
  { key: 'maxPerAccount', env: 'SFT_RELAY_MAX_PER_ACCOUNT', scale: 1, min: 1, max: 1_000_000 },
  { key: 'maxPendingPerAddress', env: 'SFT_RELAY_MAX_PENDING_PER_ADDRESS', scale: 1, min: 1, max: 1_000_000 },
];

/**
 * Limits from `overrides`, else the environment (timeouts in seconds there), else the defaults.
 * Throws a one-line Error naming the bad setting.
 */
export function relayLimits(env: NodeJS.ProcessEnv = {}, overrides: Partial<RelayLimits> = {}): RelayLimits {
  const limits = { ...DEFAULT_RELAY_LIMITS };
  for (const { key, env: name, scale, min, max } of SETTINGS) {
    const override = overrides[key];
    if (override !== undefined) {
      limits[key] = override;
      continue;
    }
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max || (scale === 1 && !Number.isInteger(value))) {
      throw new Error(`Invalid configuration: ${name} must be a ${scale === 1 ? 'whole number' : 'number of seconds'} from ${min} to ${max}, got "${raw}".`);
    }
    limits[key] = Math.round(value * scale);
  }
  return Object.freeze(limits);
}
