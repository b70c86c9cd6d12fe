import { randomBytes } from 'node:crypto';

/** Crockford base32 (no i, l, o, u), lowercase. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const CANONICAL = /^[0-9abcdefghjkmnpqrstvwxyz]{16}$/;

/** A new session id: 80 random bits as 16 Crockford base32 characters (canonical form, no dashes). */
export function newSessionId(): string {
  const bytes = randomBytes(10);
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let id = '';
  for (let i = 15; i >= 0; i--) id += ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)];
  return id;
}

/** The id as shown to people: `xxxx-xxxx-xxxx-xxxx`. */
export function formatSessionId(id: string): string {
  return id.match(/.{4}/g)!.join('-');
}

/**
 * Reads an id as people may type it: any case, with or without dashes; Crockford's
 * look-alikes (i, l → 1; o → 0) are accepted. Null when it cannot be an id.
 */
export function parseSessionId(input: string): string | null {
  const id = input.toLowerCase().replace(/-/g, '').replace(/[il]/g, '1').replace(/o/g, '0');
  return CANONICAL.test(id) ? id : null;
}
