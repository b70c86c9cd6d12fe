import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { RequestError, RequestErrorCode } from './app-error';

/** The global pipe: DTO validation, unknown fields rejected, one-line message naming the first bad field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    exceptionFactory: (errors) => new RequestError(RequestErrorCode.ValidationFailed, firstProblem(errors)),
  });
}

function firstProblem(errors: ValidationError[], prefix = ''): string {
  for (const error of errors) {
    const field = `${prefix}${error.property}`;
    const messages = Object.values(error.constraints ?? {});
    if (messages.length > 0) {
      const message = messages[0];
      return message.startsWith(error.property) ? `${prefix}${message}` : `${field}: ${message}`;
    }
    if (error.children && error.children.length > 0) return firstProblem(error.children, `${field}.`);
  }
  return 'The request is invalid.';
}
