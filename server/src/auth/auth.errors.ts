export enum AuthErrorCode {
  Unauthenticated = 'unauthenticated',
  InvalidCredentials = 'invalid_credentials',
  UsernameTaken = 'username_taken',
}

const MESSAGES: Record<AuthErrorCode, string> = {
  [AuthErrorCode.Unauthenticated]: 'Sign in first: the token is missing, invalid, expired or revoked.',
  [AuthErrorCode.InvalidCredentials]: 'Wrong username or password.',
  [AuthErrorCode.UsernameTaken]: 'That username is taken; choose another.',
};

export class AuthError extends Error {
  constructor(readonly code: AuthErrorCode) {
    super(MESSAGES[code]);
    this.name = 'AuthError';
  }
}
