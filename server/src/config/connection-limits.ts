/**
 * Deadlines for slow or stalled clients (slowloris). A connection that has not finished its TLS handshake
 * within `handshakeTimeoutMs`, or whose request headers are not complete `headersTimeoutMs` after they
 * began (or after the connection opened), is closed; so is one whose whole request (headers and body)
 * takes longer than `requestTimeoutMs`. Node checks the last two every `checkIntervalMs` (its own default
 * is 30 s, which would let a stalled client hold a socket twice as long as asked). Idle keep-alive
 * connections close after `keepAliveTimeoutMs`. None of these limits a response: a long-poll
 * (`GET /sessions/:id/wait`) that has received its request may take as long as it asks.
 */
export interface ConnectionLimits {
  handshakeTimeoutMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  checkIntervalMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  handshakeTimeoutMs: 10_000,
  headersTimeoutMs: 15_000,
  // A 2 MiB session body at 40 KiB/s still fits.
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  checkIntervalMs: 1_000,
};

/** The defaults with `overrides` applied; throws when a value is not a positive integer or headers outlast the request. */
export function connectionLimits(overrides: Partial<ConnectionLimits> = {}): ConnectionLimits {
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`connectionLimits.${name} must be a positive whole number of milliseconds`);
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new Error('connectionLimits.headersTimeoutMs must not be longer than requestTimeoutMs');
  }
  return limits;
}

/** The matching options for `https.createServer`. */
export function httpsServerTimeouts(limits: ConnectionLimits) {
  return {
    handshakeTimeout: limits.handshakeTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
  };
}
