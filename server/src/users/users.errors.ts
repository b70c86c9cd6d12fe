export enum UserErrorCode {
  UserNotFound = 'user_not_found',
  SigningKeyMissing = 'signing_key_missing',
}

const MESSAGES: Record<UserErrorCode, string> = {
  [UserErrorCode.UserNotFound]: 'No such user.',
  [UserErrorCode.SigningKeyMissing]: 'That user has not uploaded a signing key yet.',
};

export class UserError extends Error {
  constructor(readonly code: UserErrorCode) {
    super(MESSAGES[code]);
    this.name = 'UserError';
  }
}
