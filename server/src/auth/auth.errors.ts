import { HttpStatus } from '@nestjs/common';
import { AppError, type ErrorTable } from '../common/app-error';

export enum AuthErrorCode {
  Unauthenticated = 'unauthenticated',
  InvalidCredentials = 'invalid_credentials',
}

const AUTH_ERRORS: ErrorTable<AuthErrorCode> = {
  [AuthErrorCode.Unauthenticated]: {
    status: HttpStatus.UNAUTHORIZED,
    message: 'Sign in first: the token is missing, invalid, expired or revoked.',
  },
  [AuthErrorCode.InvalidCredentials]: { status: HttpStatus.UNAUTHORIZED, message: 'Wrong username or password.' },
};

export class AuthError extends AppError<AuthErrorCode> {
  constructor(code: AuthErrorCode) {
    super(code, AUTH_ERRORS[code]);
  }
}
