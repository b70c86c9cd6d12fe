import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { AppError, RequestError, RequestErrorCode } from './app-error';
import { isDatabaseUnavailable } from './database-errors';

/** The JSON body of every error answer. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  state?: string;
}

/**
 * The one place where errors become HTTP answers `{ statusCode, code, message }`. Feature errors carry
 * their status (each feature's `*.errors.ts` maps every code of its enum, checked by the type system);
 * this filter maps the framework's own errors and hides everything else behind `internal_error`.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = toErrorBody(error);
    if (error instanceof AppError && error.details.retryAfterSeconds !== undefined) {
      response.setHeader('Retry-After', String(error.details.retryAfterSeconds));
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
  if (error instanceof AppError) {
    const body: ErrorBody = { statusCode: error.status, code: error.code, message: error.message };
    if (error.details.state) body.state = error.details.state;
    return body;
  }
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
