/**
 * Turns any error into an exit code and one or two lines for stderr (what happened, what to do).
 * Used only by run.ts / main.ts, the one place where the CLI exits.
 */
import { ApiError, ServerNotTrustedError, ServerUnreachableError } from './api/api-error';
import { ExitCode, ExitError } from './errors';
import { classifyTransferError } from './commands/transfer-errors';

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
  const transfer = classifyTransferError(error);
  if (transfer) return report(transfer.code, transfer.message, transfer.hint);
  const message = error instanceof Error ? error.message : String(error);
  return report(ExitCode.Failure, message, 'Run with SFT_DEBUG=1 for details.');
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
