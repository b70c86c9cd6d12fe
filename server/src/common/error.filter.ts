import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { AuthError, AuthErrorCode } from '../auth/auth.errors';
import { RelayError, RelayErrorCode } from '../relay/relay.errors';
import { SessionError, SessionErrorCode } from '../sessions/sessions.errors';
import { UserError, UserErrorCode } from '../users/users.errors';
import { RequestError, RequestErrorCode } from './app-error';
import { assertUnreachable } from './assert-unreachable';
import { isDatabaseUnavailable } from './database-errors';

/** The JSON body of every error answer. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  state?: string;
}

/**
 * The one place where errors become HTTP answers `{ statusCode, code, message }`.
 * Each domain error code maps to a status in an exhaustive switch, so a new code cannot go unhandled.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = toErrorBody(error);
    if (error instanceof RequestError && error.retryAfterSeconds !== undefined) {
      response.setHeader('Retry-After', String(error.retryAfterSeconds));
    }
    if (body.statusCode === HttpStatus.INTERNAL_SERVER_ERROR) {
      // Only the error's name and message: never request bodies, tokens or keys.
      process.stderr.write(`${JSON.stringify({ level: 'error', error: describe(error) })}\n`);
    }
    if (response.headersSent) return;
    response.status(body.statusCode).json(body);
  }
}

/** Maps any thrown value to the error body the API documents. */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof AuthError) return { statusCode: authStatus(error.code), code: error.code, message: error.message };
  if (error instanceof UserError) return { statusCode: userStatus(error.code), code: error.code, message: error.message };
  if (error instanceof SessionError) {
    const body: ErrorBody = { statusCode: sessionStatus(error.code), code: error.code, message: error.message };
    if (error.state) body.state = error.state;
    return body;
  }
  if (error instanceof RelayError) return { statusCode: relayStatus(error.code), code: error.code, message: error.message };
  if (error instanceof RequestError) return { statusCode: requestStatus(error.code), code: error.code, message: error.message };
  const parserError = bodyParserError(error);
  if (parserError) return toErrorBody(parserError);
  if (isDatabaseUnavailable(error)) return toErrorBody(new RequestError(RequestErrorCode.DatabaseUnavailable));
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status === HttpStatus.NOT_FOUND) return toErrorBody(new RequestError(RequestErrorCode.NotFound));
    if (status === HttpStatus.PAYLOAD_TOO_LARGE) return toErrorBody(new RequestError(RequestErrorCode.PayloadTooLarge));
    if (status === HttpStatus.BAD_REQUEST) {
      const notJson = /JSON/i.test(error.message);
      return toErrorBody(new RequestError(RequestErrorCode.ValidationFailed, notJson ? 'The request body is not valid JSON.' : undefined));
    }
    if (status < 500) return { statusCode: status, code: 'request_refused', message: error.message };
  }
  return { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, code: 'internal_error', message: 'Something went wrong on the server.' };
}

function authStatus(code: AuthErrorCode): number {
  switch (code) {
    case AuthErrorCode.Unauthenticated:
    case AuthErrorCode.InvalidCredentials:
      return HttpStatus.UNAUTHORIZED;
    case AuthErrorCode.UsernameTaken:
      return HttpStatus.CONFLICT;
    default:
      return assertUnreachable(code);
  }
}

function userStatus(code: UserErrorCode): number {
  switch (code) {
    case UserErrorCode.UserNotFound:
    case UserErrorCode.SigningKeyMissing:
      return HttpStatus.NOT_FOUND;
    default:
      return assertUnreachable(code);
  }
}

function sessionStatus(code: SessionErrorCode): number {
  switch (code) {
    case SessionErrorCode.NotFound:
      return HttpStatus.NOT_FOUND;
    case SessionErrorCode.NotInvited:
    case SessionErrorCode.OwnSession:
    case SessionErrorCode.WrongRole:
      return HttpStatus.FORBIDDEN;
    case SessionErrorCode.AlreadyJoined:
    case SessionErrorCode.NotJoined:
    case SessionErrorCode.ReportDuplicate:
      return HttpStatus.CONFLICT;
    case SessionErrorCode.Closed:
      return HttpStatus.GONE;
    default:
      return assertUnreachable(code);
  }
}

function relayStatus(code: RelayErrorCode): number {
  switch (code) {
    case RelayErrorCode.Unavailable:
      return HttpStatus.SERVICE_UNAVAILABLE;
    default:
      return assertUnreachable(code);
  }
}

function requestStatus(code: RequestErrorCode): number {
  switch (code) {
    case RequestErrorCode.ValidationFailed:
      return HttpStatus.BAD_REQUEST;
    case RequestErrorCode.PayloadTooLarge:
      return HttpStatus.PAYLOAD_TOO_LARGE;
    case RequestErrorCode.RateLimited:
      return HttpStatus.TOO_MANY_REQUESTS;
    case RequestErrorCode.DatabaseUnavailable:
      return HttpStatus.SERVICE_UNAVAILABLE;
    case RequestErrorCode.NotFound:
      return HttpStatus.NOT_FOUND;
    default:
      return assertUnreachable(code);
  }
}

/** Errors from Express's body parser (they carry a `type`). */
function bodyParserError(error: unknown): RequestError | null {
  const type = (error as { type?: unknown } | null)?.type;
  if (type === 'entity.too.large') return new RequestError(RequestErrorCode.PayloadTooLarge);
  if (type === 'entity.parse.failed') return new RequestError(RequestErrorCode.ValidationFailed, 'The request body is not valid JSON.');
  if (typeof type === 'string' && type.startsWith('entity.') || type === 'charset.unsupported' || type === 'encoding.unsupported') {
    return new RequestError(RequestErrorCode.ValidationFailed, 'The request body cannot be read.');
  }
  return null;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
