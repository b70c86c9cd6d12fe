import type { Request } from 'express';

/** What the JWT strategy puts on `request.user`. */
export interface AuthUser {
  id: string;
  username: string;
  /** The token's id, so logout can revoke exactly this token. */
  jti: string;
  /** The token's expiry (seconds since the epoch). */
  exp: number;
}

export type AuthenticatedRequest = Request & { user: AuthUser };
