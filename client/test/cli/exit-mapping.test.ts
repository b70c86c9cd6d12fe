import { describe, expect, it } from 'vitest';
import { ApiError, ServerNotTrustedError, ServerUnreachableError } from '../../src/api/api-error';
import { ExitCode, ExitError } from '../../src/errors';
import { describeError } from '../../src/exit-mapping';
import { PeerLinkError } from '../../src/peer/errors';
import { TransferError } from '../../src/transfer/errors';

describe(describeError.name, () => {
  it('keeps the code, message and hint of an ExitError', () => {
    expect(describeError(new ExitError(ExitCode.Usage, 'bad', 'do this'))).toEqual({ code: 2, lines: ['bad', 'do this'] });
  });

  it.each([
    [new ApiError(401, 'invalid_credentials', 'x'), ExitCode.NotAllowed],
    [new ApiError(401, 'unauthenticated', 'x'), ExitCode.NotAllowed],
    [new ApiError(403, 'not_invited', 'x'), ExitCode.NotAllowed],
    [new ApiError(410, 'session_closed', 'x', 'cancelled'), ExitCode.Closed],
    [new ApiError(400, 'validation_failed', 'x'), ExitCode.Usage],
    [new ApiError(404, 'session_not_found', 'x'), ExitCode.NotAllowed], // an unknown id looks like another pair's session: not allowed
    [new ServerUnreachableError('https://x', 'ECONNREFUSED'), ExitCode.Unreachable],
    [new ServerNotTrustedError('https://x', 'SELF_SIGNED_CERT_IN_CHAIN', false), ExitCode.Unreachable],
    [new TransferError('integrity', 'x'), ExitCode.Integrity],
    [new TransferError('signature', 'x'), ExitCode.Integrity],
    [new TransferError('verification', 'x'), ExitCode.Integrity],
    [new TransferError('peer_closed', 'x'), ExitCode.Unreachable],
    [new TransferError('version', 'x'), ExitCode.Failure],
    [new TransferError('exists', 'x'), ExitCode.Failure],
    [new PeerLinkError('unreachable', 'x'), ExitCode.Unreachable],
    [new PeerLinkError('tls', 'x'), ExitCode.Unreachable],
    [new PeerLinkError('timeout', 'x'), ExitCode.Unreachable],
    [new PeerLinkError('io', 'x'), ExitCode.Failure],
    [new Error('boom'), ExitCode.Failure],
  ])('maps %o to its exit code', (error, code) => {
    expect(describeError(error).code).toBe(code);
  });

  it('says to pass --ca when an untrusted server was reached without one', () => {
    expect(describeError(new ServerNotTrustedError('https://x', 'SELF_SIGNED_CERT_IN_CHAIN', false)).lines[1]).toMatch(/--ca/);
  });

  it('tells a limit store that does not answer (503 rate_limit_unavailable) from a database that does not', () => {
    const limits = describeError(new ApiError(503, 'rate_limit_unavailable', 'x'));
    expect(limits.code).toBe(ExitCode.Unreachable);
    expect(limits.lines[1]).toMatch(/Redis/);
    expect(describeError(new ApiError(503, 'database_unavailable', 'x')).lines[1]).toMatch(/database/);
  });
  it('says what failed in a transfer and what to do next', () => {
    expect(describeError(new TransferError('exists', 'a.txt exists.')).lines).toEqual(['Transfer failed: a.txt exists.', expect.stringMatching(/--overwrite/)]);
    expect(describeError(new TransferError('integrity', 'bad chunk')).lines[1]).toMatch(/Nothing was kept/);
    expect(describeError(new PeerLinkError('unreachable', 'no route')).lines).toEqual(['Transfer failed: no route', expect.stringMatching(/--advertise/)]);
  });

  it('never prints more than two lines', () => {
    for (const error of [new Error('x'), new ApiError(500, 'http_500', 'x'), new TransferError('exists', 'x')]) {
      expect(describeError(error).lines.length).toBeLessThanOrEqual(2);
    }
  });
});
