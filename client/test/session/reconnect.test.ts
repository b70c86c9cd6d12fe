import { describe, expect, it } from 'vitest';
import { ApiError, ServerUnreachableError } from '../../src/api/api-error';
import { ExitError } from '../../src/errors';
import { PeerLinkError } from '../../src/peer';
import { formatSeconds, gaveUp, isLinkLoss, isRetryable, ReconnectWindow } from '../../src/session/reconnect';
import { TransferError } from '../../src/transfer/errors';

describe(ReconnectWindow.name, () => {
  it('runs from the first loss for its length, across failed tries, and starts over after a HELLO', () => {
    let now = 0;
    const window = new ReconnectWindow(10, () => now);
    expect(window.lost()).toBe(true);
    now = 6_000;
    expect(window.lost()).toBe(true);
    expect(window.tries).toBe(2);
    expect(window.remainingMs()).toBe(4_000);
    now = 10_000;
    expect(window.lost()).toBe(false);
    window.reset();
    expect(window.lost()).toBe(true);
    expect(window.remainingMs()).toBe(10_000);
  });

  it('is off at 0: the first loss ends the transfer', () => {
    const window = new ReconnectWindow(0);
    expect(window.enabled).toBe(false);
    expect(window.lost()).toBe(false);
  });
});

describe(isLinkLoss.name, () => {
  it.each(['peer_closed', 'timeout', 'tls'] as const)('counts our own %s as a lost link', (code) => {
    expect(isLinkLoss(new TransferError(code, 'x'))).toBe(true);
  });

  it.each(['integrity', 'signature', 'protocol', 'io', 'exists'] as const)('never resumes after %s', (code) => {
    expect(isLinkLoss(new TransferError(code, 'x'))).toBe(false);
  });

  it('does not count an error the peer reported', () => {
    expect(isLinkLoss(new TransferError('timeout', 'x', true))).toBe(false);
  });
});

describe(isRetryable.name, () => {
  it('retries an unreachable peer, a server that blinked, and a pinned certificate that no longer matches (the peer restarted)', () => {
    expect(isRetryable(new PeerLinkError('unreachable', 'x'))).toBe(true);
    expect(isRetryable(new PeerLinkError('tls', 'x'))).toBe(true);
    expect(isRetryable(new ExitError(5, 'x'))).toBe(true);
    expect(isRetryable(new ServerUnreachableError('https://localhost:8443', 'ECONNREFUSED'))).toBe(true);
    expect(isRetryable(new ApiError(503, 'db_unavailable', 'x'))).toBe(true);
  });

  it('does not retry a port it cannot bind, a refusal or a closed session', () => {
    expect(isRetryable(new PeerLinkError('io', 'x'))).toBe(false);
    expect(isRetryable(new ApiError(403, 'forbidden', 'x'))).toBe(false);
    expect(isRetryable(new ExitError(6, 'x'))).toBe(false);
  });
});

describe(gaveUp.name, () => {
  it('is exit 5 and says how long it tried and that nothing was kept', () => {
    const error = gaveUp(new TransferError('peer_closed', 'The peer closed the connection.'), 3, true);
    expect(error.exitCode).toBe(5);
    expect(error.message).toMatch(/did not come back within 3s \(The peer closed the connection\)/);
    expect(error.hint).toMatch(/nothing was kept/);
  });
});

describe(formatSeconds.name, () => {
  it.each([[3_000, '3s'], [290_000, '4m 50s'], [300_000, '5m'], [1_200, '2s']])('%d ms → %s', (ms, text) => {
    expect(formatSeconds(ms)).toBe(text);
  });
});
