/**
 * Turns any error into an exit code and one or two lines for stderr (what happened, what to do).
 * Used only by run.ts / main.ts, the one place where the CLI exits. Every mapping from an error
 * (API, peer link, transfer) to an exit code (README "Exit codes") lives here; the layers below only throw
 * typed errors with stable codes.
 */
import { ApiError, ServerNotTrustedError, ServerUnreachableError } from './api/api-error';
import { ExitCode, ExitError } from './errors';
import { PeerLinkError, type PeerLinkErrorCode } from './peer/errors';
import { TransferError, type TransferErrorCode } from './transfer/errors';

export interface ExitReport {
  code: ExitCode;
  lines: string[];
}

export function describeError(error: unknown): ExitReport {
  if (error instanceof ExitError) return report(error.exitCode, error.message, error.hint);
  if (error instanceof ApiError) return describeApiError(error);
  if (error instanceof ServerUnreachableError) {
    return report(ExitCode.Unreachable, error.message, 'Check the --server URL and that the server is running.');
  }
  if (error instanceof ServerNotTrustedError) {
    const hint = error.caGiven
      ? 'The CA you gave did not sign this certificate (or the name does not match). Check --ca and --server.'
      : 'Pass --ca FILE with the CA certificate the server printed at start (`CA certificate: <path>`).';
    return report(ExitCode.Unreachable, error.message, hint);
  }
  if (error instanceof TransferError) return describeTransferFailure(TRANSFER_EXIT[error.code], error.message, TRANSFER_HINTS[error.code]);
  if (error instanceof PeerLinkError) return describeTransferFailure(PEER_LINK_EXIT[error.code], error.message);
  const message = error instanceof Error ? error.message : String(error);
  return report(ExitCode.Failure, message, 'Run with SFT_DEBUG=1 for details.');
}

/** Exit 4: a check failed and nothing was kept; exit 5: the peer went away; exit 1: anything else. */
const TRANSFER_EXIT: Record<TransferErrorCode, ExitCode> = {
  integrity: ExitCode.Integrity,
  signature: ExitCode.Integrity,
  protocol: ExitCode.Integrity,
  verification: ExitCode.Integrity,
  peer_closed: ExitCode.Unreachable,
  timeout: ExitCode.Unreachable,
  tls: ExitCode.Unreachable,
  version: ExitCode.Failure,
  unsafe_name: ExitCode.Failure,
  exists: ExitCode.Failure,
  no_space: ExitCode.Failure,
  peer_error: ExitCode.Failure,
  io: ExitCode.Failure,
};

const PEER_LINK_EXIT: Record<PeerLinkErrorCode, ExitCode> = {
  unreachable: ExitCode.Unreachable,
  tls: ExitCode.Unreachable,
  timeout: ExitCode.Unreachable,
  no_certificate: ExitCode.Failure,
  io: ExitCode.Failure,
};

const TRANSFER_HINTS: Partial<Record<TransferErrorCode, string>> = {
  exists: 'Pass --overwrite to replace it, or choose another --out directory.',
  verification: 'No file byte was sent and nothing was kept. Compare identity fingerprints with the peer out of band (`sft whoami`) before trying again.',
};

const EXIT_HINTS: Partial<Record<ExitCode, string>> = {
  [ExitCode.Integrity]: 'Nothing was kept. Ask the sender to send again; if it repeats, the link or a peer is tampered with.',
  [ExitCode.Unreachable]: 'Check that the peer can reach the advertised address (see --listen / --advertise) and try a new session.',
};

function describeTransferFailure(code: ExitCode, message: string, hint = EXIT_HINTS[code]): ExitReport {
  return report(code, `Transfer failed: ${message}`, hint);
}

function describeApiError(error: ApiError): ExitReport {
  const message = error.message;
  switch (true) {
    case error.code === 'invalid_credentials':
      return report(ExitCode.NotAllowed, 'Wrong username or password.', 'Try again, or `sft register` to create an account.');
    case error.status === 401:
      return report(ExitCode.NotAllowed, message, 'Your login has expired or was revoked: run `sft login`.');
    case error.status === 403:
      return report(ExitCode.NotAllowed, message);
    // An unknown id and another pair's session look the same (no enumeration): both "not allowed".
    case error.code === 'session_not_found':
      return report(ExitCode.NotAllowed, message, 'Check the session id: only its host and its joiner can use it.');
    case error.status === 410 || error.code === 'session_closed':
      return report(ExitCode.Closed, message, error.state ? `The session is ${error.state}; ask for a new one.` : undefined);
    case error.code === 'session_already_joined':
      return report(ExitCode.NotAllowed, message);
    case error.status === 400 || error.code === 'insecure_url':
      return report(ExitCode.Usage, message);
    case error.code === 'rate_limit_unavailable':
      return report(ExitCode.Unreachable, message, 'The server cannot reach its shared limit store (Redis); try again later.');
    case error.status === 503:
      return report(ExitCode.Unreachable, message, 'The server cannot reach its database; try again later.');
    case error.status === 429:
      return report(ExitCode.Failure, message, 'Too many attempts; wait a while and try again.');
    default:
      return report(ExitCode.Failure, message);
  }
}

function report(code: ExitCode, message: string, hint?: string): ExitReport {
  return { code, lines: hint ? [message, hint] : [message] };
}
