import { HttpStatus } from '@nestjs/common';
import { BODY_LIMIT_TEXT, SESSION_BODY_LIMIT_TEXT } from './body-limits';

/** What one error code answers: its HTTP status and default message. */
export interface ErrorAnswer {
  status: HttpStatus;
  message: string;
}

/**
 * Each feature's error codes with their answers. A `Record` over the code enum, so a new code without a
 * status and message fails the type check (the exhaustiveness check the error filter relies on).
 */
export type ErrorTable<Code extends string> = Readonly<Record<Code, ErrorAnswer>>;

/**
 * The one base of every error that becomes a documented HTTP answer `{ statusCode, code, message }`.
 * Features subclass it with their own code enum and `ErrorTable` (auth.errors.ts, users.errors.ts,
 * sessions.errors.ts); the error filter needs to know none of them.
 */
export class AppError<Code extends string = string> extends Error {
  readonly status: HttpStatus;

  constructor(
    readonly code: Code,
    answer: ErrorAnswer,
    message: string = answer.message,
    /** Extra fields of the answer: `state` for a closed session, `retryAfterSeconds` for rate limits. */
    readonly details: { state?: string; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = new.target.name;
    this.status = answer.status;
  }
}

/** Errors that are not owned by one feature: request shape, size, rate limits and the database. */
export enum RequestErrorCode {
  ValidationFailed = 'validation_failed',
  PayloadTooLarge = 'payload_too_large',
  RateLimited = 'rate_limited',
  RateLimitUnavailable = 'rate_limit_unavailable',
  DatabaseUnavailable = 'database_unavailable',
  NotFound = 'not_found',
}

const REQUEST_ERRORS: ErrorTable<RequestErrorCode> = {
  [RequestErrorCode.ValidationFailed]: { status: HttpStatus.BAD_REQUEST, message: 'The request is invalid.' },
  [RequestErrorCode.PayloadTooLarge]: {
    status: HttpStatus.PAYLOAD_TOO_LARGE,
    message: `The request body is too large: at most ${BODY_LIMIT_TEXT} (${SESSION_BODY_LIMIT_TEXT} for creating or reporting on a session, or announcing a delivery).`,
  },
  [RequestErrorCode.RateLimited]: { status: HttpStatus.TOO_MANY_REQUESTS, message: 'Too many attempts; wait a while and try again.' },
  [RequestErrorCode.RateLimitUnavailable]: {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    message: 'The shared rate-limit store (Redis) does not answer, so this limit cannot be checked; try again later.',
  },
  [RequestErrorCode.DatabaseUnavailable]: {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    message: 'The database does not answer; try again later.',
  },
  [RequestErrorCode.NotFound]: { status: HttpStatus.NOT_FOUND, message: 'No such route.' },
};

export class RequestError extends AppError<RequestErrorCode> {
  constructor(
    code: RequestErrorCode,
    message?: string,
    /** For rate limits: seconds until the caller may try again. */
    retryAfterSeconds?: number,
  ) {
    super(code, REQUEST_ERRORS[code], message, { retryAfterSeconds });
  }
}
