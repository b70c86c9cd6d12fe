import { describe, expect, it } from 'vitest';
import { connectionLimits, DEFAULT_CONNECTION_LIMITS, httpsServerTimeouts } from '../../src/config/connection-limits';

describe(connectionLimits.name, () => {
  it('uses the defaults when nothing is overridden', () => {
    expect(connectionLimits()).toEqual(DEFAULT_CONNECTION_LIMITS);
  });

  it('applies overrides and keeps the other defaults', () => {
    expect(connectionLimits({ handshakeTimeoutMs: 2000 })).toEqual({ ...DEFAULT_CONNECTION_LIMITS, handshakeTimeoutMs: 2000 });
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses %s milliseconds', (value) => {
    expect(() => connectionLimits({ checkIntervalMs: value })).toThrow('connectionLimits.checkIntervalMs must be a positive whole number of milliseconds');
  });

  it('refuses a headers deadline longer than the request deadline', () => {
    expect(() => connectionLimits({ headersTimeoutMs: 5000, requestTimeoutMs: 4000 })).toThrow('headersTimeoutMs must not be longer than requestTimeoutMs');
  });

  it('maps to the node:https server options', () => {
    expect(httpsServerTimeouts(connectionLimits())).toEqual({
      handshakeTimeout: 10_000,
      headersTimeout: 15_000,
      requestTimeout: 60_000,
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: 1_000,
    });
  });
});
