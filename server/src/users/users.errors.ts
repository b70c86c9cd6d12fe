import { HttpStatus } from '@nestjs/common';
import { AppError, type ErrorTable } from '../common/app-error';

export enum UserErrorCode {
  UserNotFound = 'user_not_found',
  SigningKeyMissing = 'signing_key_missing',
  UsernameTaken = 'username_taken',
}

const USER_ERRORS: ErrorTable<UserErrorCode> = {
  [UserErrorCode.UserNotFound]: { status: HttpStatus.NOT_FOUND, message: 'No such user.' },
  [UserErrorCode.SigningKeyMissing]: { status: HttpStatus.NOT_FOUND, message: 'That user has not uploaded a signing key yet.' },
  [UserErrorCode.UsernameTaken]: { status: HttpStatus.CONFLICT, message: 'That username is taken; choose another.' },
};

export class UserError extends AppError<UserErrorCode> {
  constructor(code: UserErrorCode) {
    super(code, USER_ERRORS[code]);
  }
}
