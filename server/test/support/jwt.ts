import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const base64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

/** Builds a JWT by hand (for forged, expired or `alg: none` tokens in tests). */
export function makeJwt(payload: object, secret: Buffer | null, header: object = { alg: 'HS256', typ: 'JWT' }): string {
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const signature = secret ? createHmac('sha256', secret).update(signingInput).digest('base64url') : '';
  return `${signingInput}.${signature}`;
}

/** The JWT secret a test server generated into its data dir. */
export function serverJwtSecret(dataDir: string): Buffer {
  return Buffer.from(readFileSync(join(dataDir, 'jwt-secret'), 'utf8').trim(), 'base64');
}

/** The claims of a token (no verification). */
export function decodeJwt(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}
