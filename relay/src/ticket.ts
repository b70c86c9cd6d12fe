/**
 * Relay tickets: what the server hands a session's participant so the relay (which has no database)
 * can let exactly that participant in. See docs/protocol.md "Relay tickets".
 *
 * Wire form: `<payload>.<signature>`, both base64url without padding. `payload` is UTF-8 JSON
 * {v, id, sid, att, role, relay, cap, acct, iat, exp}; `signature` is Ed25519 over
 * `sft-relay-ticket/1\n` + the payload's base64url text (a domain prefix, so the key signs nothing else).
 * The server holds the private key; the relay only the public key.
 */
import { createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';

export const TICKET_VERSION = 1;
/** Largest ticket text accepted, checked before any decoding. */
export const MAX_TICKET_CHARS = 1024;
const SIGNING_PREFIX = Buffer.from('sft-relay-ticket/1\n', 'ascii');
/** Tickets may be this many seconds "from the future" (clock skew between server and relay). */
const CLOCK_SKEW_SECONDS = 60;

export type RelayRole = 'host' | 'joiner';

export interface RelayTicket {
  v: number;
  /** Random ticket id (base64url of 16 bytes): the relay refuses a second use. */
  id: string;
  /** The session id. */
  sid: string;
  /** The session's attempt (link index) when the ticket was issued: the relay pairs by (sid, att). 0 when absent. */
  att: number;
  role: RelayRole;
  /** The relay the ticket is for, `tls://host:port`. */
  relay: string;
  /** Most bytes the relay forwards for the whole session (both directions together). */
  cap: number;
  /** The participant's account id (per-account caps). */
  acct: string;
  /** Issued at, seconds since the epoch. */
  iat: number;
  /** Expiry, seconds since the epoch: the opening line must arrive before it. */
  exp: number;
}

/** What the issuer chooses; `att` defaults to 0 (the first link). */
export type TicketFields = Omit<RelayTicket, 'v' | 'id' | 'iat' | 'att'> & { att?: number };

/** Signs a new ticket with a fresh random id. */
export function issueTicket(fields: TicketFields, privateKey: KeyObject, now = Date.now()): { ticket: RelayTicket; text: string } {
  const ticket: RelayTicket = {
    v: TICKET_VERSION,
    id: randomBytes(16).toString('base64url'),
    sid: fields.sid,
    att: fields.att ?? 0,
    role: fields.role,
    relay: fields.relay,
    cap: fields.cap,
    acct: fields.acct,
    iat: Math.floor(now / 1000),
    exp: fields.exp,
  };
  const payload = Buffer.from(JSON.stringify(ticket), 'utf8').toString('base64url');
  const signature = sign(null, Buffer.concat([SIGNING_PREFIX, Buffer.from(payload, 'ascii')]), privateKey);
  return { ticket, text: `${payload}.${signature.toString('base64url')}` };
}

/** Why a ticket is refused; `reason` is the text the relay sends in its `error:` line. */
export class TicketError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'TicketError';
  }
}

/**
 * Checks the signature first, then the shape, the version, the relay it is for and the expiry.
 * Throws TicketError with a short reason; never says more about a forged ticket than "invalid".
 */
export function verifyTicket(text: string, publicKey: KeyObject, expectedRelay: string, now = Date.now()): RelayTicket {
  if (text.length > MAX_TICKET_CHARS) throw new TicketError('invalid ticket');
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{86})$/.exec(text);
  if (!match) throw new TicketError('invalid ticket');
  const signature = Buffer.from(match[2], 'base64url');
  const signed = Buffer.concat([SIGNING_PREFIX, Buffer.from(match[1], 'ascii')]);
  if (signature.length !== 64 || !verify(null, signed, publicKey, signature)) throw new TicketError('invalid ticket');
  const ticket = parsePayload(match[1]);
  if (ticket.v !== TICKET_VERSION) throw new TicketError('unsupported ticket version');
  if (ticket.relay !== expectedRelay) throw new TicketError('ticket is for another relay');
  const seconds = now / 1000;
  if (ticket.exp <= seconds) throw new TicketError('ticket expired');
  if (ticket.iat > seconds + CLOCK_SKEW_SECONDS) throw new TicketError('ticket not yet valid');
  return ticket;
}

function parsePayload(payload: string): RelayTicket {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new TicketError('invalid ticket');
  }
  const t = value as Partial<RelayTicket> | null;
  const ok =
    t !== null && typeof t === 'object' &&
    Number.isInteger(t.v) && isShortText(t.id) && isShortText(t.sid) && (t.role === 'host' || t.role === 'joiner') &&
    isShortText(t.relay) && isShortText(t.acct) && Number.isSafeInteger(t.cap) && (t.cap as number) >= 0 &&
    Number.isSafeInteger(t.iat) && Number.isSafeInteger(t.exp) &&
    (t.att === undefined || (Number.isSafeInteger(t.att) && (t.att as number) >= 0));
  if (!ok) throw new TicketError('invalid ticket');
  // A ticket without `att` (issued before resume) is for the first link.
  return { ...t, att: t.att ?? 0 } as RelayTicket;
}

function isShortText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 200;
}

/** The Ed25519 private key for a 32-byte seed (how the server stores it: base64 in a 0600 file or env). */
export function privateKeyFromSeed(seed: Buffer): KeyObject {
  if (seed.length !== 32) throw new Error('An Ed25519 seed is 32 bytes.');
  const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
  return createPrivateKey({ key: Buffer.concat([pkcs8Prefix, seed]), format: 'der', type: 'pkcs8' });
}

/** The raw 32-byte public key, base64 (what `SFT_RELAY_PUBLIC_KEY` holds). */
export function publicKeyToBase64(key: KeyObject): string {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  return Buffer.from(jwk.x as string, 'base64url').toString('base64');
}

/** Parses base64 of a raw 32-byte Ed25519 public key; throws a one-line Error naming `setting`. */
export function publicKeyFromBase64(text: string, setting: string): KeyObject {
  const raw = Buffer.from(text.trim(), 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== text.trim()) {
    throw new Error(`Invalid configuration: ${setting} must be base64 of a 32-byte Ed25519 public key.`);
  }
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}
