import { HttpStatus } from '@nestjs/common';
import { AppError, type ErrorTable } from '../common/app-error';

export enum AuthErrorCode {
  Unauthenticated = 'unauthenticated',
  InvalidCredentials = 'invalid_credentials',
  UsernameTaken = 'username_taken',
}

const AUTH_ERRORS: ErrorTable<AuthErrorCode> = {
  [AuthErrorCode.Unauthenticated]: {
    status: HttpStatus.UNAUTHORIZED,
    message: 'Sign in first: the token is missing, invalid, expired or revoked.',
  },
  [AuthErrorCode.InvalidCredentials]: { status: HttpStatus.UNAUTHORIZED, message: 'Wrong username or password.' },
  [AuthErrorCode.UsernameTaken]: { status: HttpStatus.CONFLICT, message: 'That username is taken; choose another.' },
};

export class AuthError extends AppError<AuthErrorCode> {
  constructor(code: AuthErrorCode) {
    super(code, AUTH_ERRORS[code]);
  }
}
