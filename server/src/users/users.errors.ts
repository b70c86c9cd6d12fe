import { HttpStatus } from '@nestjs/common';
import { AppError, type ErrorTable } from '../common/app-error';

export enum UserErrorCode {
  UserNotFound = 'user_not_found',
  SigningKeyMissing = 'signing_key_missing',
  UsernameTaken = 'username_taken',
  DeliveryKeyMissing = 'delivery_key_missing',
}

const USER_ERRORS: ErrorTable<UserErrorCode> = {
  [UserErrorCode.UserNotFound]: { status: HttpStatus.NOT_FOUND, message: 'No such user.' },
  [UserErrorCode.SigningKeyMissing]: { status: HttpStatus.NOT_FOUND, message: 'That user has not uploaded a signing key yet.' },
  [UserErrorCode.DeliveryKeyMissing]: {
    status: HttpStatus.NOT_FOUND,
    message: 'That user has no delivery key yet: they must log in once with a current sft before you can send to them.',
  },
  [UserErrorCode.UsernameTaken]: { status: HttpStatus.CONFLICT, message: 'That username is taken; choose another.' },
};

export class UserError extends AppError<UserErrorCode> {
  constructor(code: UserErrorCode) {
    super(code, USER_ERRORS[code]);
  }
}
