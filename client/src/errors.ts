/**
 * Exit codes of the `sft` CLI (README "Exit codes") and the error commands throw to end with one.
 * Only main.ts turns errors into process exits; commands just throw.
 */
export const ExitCode = {
  Ok: 0,
  Failure: 1,
  Usage: 2,
  NotAllowed: 3,
  Integrity: 4,
  Unreachable: 5,
  Closed: 6,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error that ends the CLI with `exitCode`: `message` says what happened, `hint` what to do. */
export class ExitError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ExitError';
  }
}

/** A usage error (exit 2): a missing or invalid argument. */
export function usageError(message: string, hint?: string): ExitError {
  return new ExitError(ExitCode.Usage, message, hint);
}
