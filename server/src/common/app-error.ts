/**
 * Errors that are not owned by one feature: request shape, size, rate limits and the database.
 * Feature errors (AuthError, UserError, SessionError) live in their feature folders.
 */
export enum RequestErrorCode {
  ValidationFailed = 'validation_failed',
  PayloadTooLarge = 'payload_too_large',
  RateLimited = 'rate_limited',
  DatabaseUnavailable = 'database_unavailable',
  NotFound = 'not_found',
}

const MESSAGES: Record<RequestErrorCode, string> = {
  [RequestErrorCode.ValidationFailed]: 'The request is invalid.',
  [RequestErrorCode.PayloadTooLarge]: 'The request body is larger than 64 KiB.',
  [RequestErrorCode.RateLimited]: 'Too many attempts; wait a while and try again.',
  [RequestErrorCode.DatabaseUnavailable]: 'The database does not answer; try again later.',
  [RequestErrorCode.NotFound]: 'No such route.',
};

export class RequestError extends Error {
  constructor(
    readonly code: RequestErrorCode,
    message: string = MESSAGES[code],
    /** For rate limits: seconds until the caller may try again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}
