/** Claims in an sft token. */
export interface JwtPayload {
  /** User id. */
  sub: string;
  username: string;
  /** Token id, for revocation. */
  jti: string;
  iat: number;
  exp: number;
}
