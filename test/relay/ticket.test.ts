import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OpeningLineError, openingLine, parseOpeningLine, parseRelayUrl } from '../../relay/src/opening-line';
import {
  issueTicket, privateKeyFromSeed, publicKeyFromBase64, publicKeyToBase64, TicketError, verifyTicket, type TicketFields,
} from '../../relay/src/ticket';

const RELAY = 'tls://127.0.0.1:8444';
const seed = Buffer.alloc(32, 9);
const privateKey = privateKeyFromSeed(seed);
const publicKey = publicKeyFromBase64(publicKeyToBase64(privateKey), 'test');
const now = Date.UTC(2026, 11, 1, 12, 0, 0);
const fields = (extra: Partial<TicketFields> = {}): TicketFields => ({
  sid: 'abcd-efgh-jkmn-pqrs', role: 'host', relay: RELAY, cap: 1000, acct: 'user-1', exp: now / 1000 + 60, ...extra,
});

function reason(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof TicketError || error instanceof OpeningLineError) return error.reason;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('relay tickets', () => {
  it('verifies what the key signed, with every field intact and a fresh id each time', () => {
    const first = issueTicket(fields(), privateKey, now);
    const second = issueTicket(fields(), privateKey, now);
    expect(verifyTicket(first.text, publicKey, RELAY, now)).toEqual(first.ticket);
    expect(first.ticket).toMatchObject({ v: 1, sid: 'abcd-efgh-jkmn-pqrs', role: 'host', cap: 1000, acct: 'user-1' });
    expect(first.ticket.id).not.toBe(second.ticket.id);
  });

  it('carries the attempt (att) it was issued for, 0 by default', () => {
    expect(verifyTicket(issueTicket(fields({ att: 3 }), privateKey, now).text, publicKey, RELAY, now).att).toBe(3);
    expect(verifyTicket(issueTicket(fields(), privateKey, now).text, publicKey, RELAY, now).att).toBe(0);
  });

  it('reads a ticket without att (issued before resume) as attempt 0, and refuses a negative or fractional att', () => {
    const signed = (payload: Record<string, unknown>) => {
      const text = Buffer.from(JSON.stringify(payload)).toString('base64url');
      const signature = sign(null, Buffer.concat([Buffer.from('sft-relay-ticket/1\n'), Buffer.from(text)]), privateKey);
      return `${text}.${signature.toString('base64url')}`;
    };
    const { ticket } = issueTicket(fields(), privateKey, now);
    const { att: _att, ...withoutAtt } = ticket;
    expect(verifyTicket(signed(withoutAtt), publicKey, RELAY, now)).toEqual({ ...withoutAtt, att: 0 });
    for (const att of [-1, 1.5, '1']) expect(reason(() => verifyTicket(signed({ ...ticket, att }), publicKey, RELAY, now))).toBe('invalid ticket');
  });

  it('refuses a ticket signed by another key', () => {
    const { privateKey: other } = generateKeyPairSync('ed25519');
    expect(reason(() => verifyTicket(issueTicket(fields(), other, now).text, publicKey, RELAY, now))).toBe('invalid ticket');
  });

  it('refuses a ticket whose payload was changed after signing (a bigger byte cap)', () => {
    const { text } = issueTicket(fields(), privateKey, now);
    const [payload, signature] = text.split('.');
    const changed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    changed.cap = 10 ** 12;
    const forged = `${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${signature}`;
    expect(reason(() => verifyTicket(forged, publicKey, RELAY, now))).toBe('invalid ticket');
  });

  it('refuses an expired ticket, a ticket for another relay and one from the far future', () => {
    const expired = issueTicket(fields({ exp: now / 1000 - 1 }), privateKey, now).text;
    expect(reason(() => verifyTicket(expired, publicKey, RELAY, now))).toBe('ticket expired');
    const elsewhere = issueTicket(fields({ relay: 'tls://relay.example.org:8444' }), privateKey, now).text;
    expect(reason(() => verifyTicket(elsewhere, publicKey, RELAY, now))).toBe('ticket is for another relay');
    const future = issueTicket(fields({ exp: now / 1000 + 7200 }), privateKey, now + 3_600_000).text;
    expect(reason(() => verifyTicket(future, publicKey, RELAY, now))).toBe('ticket not yet valid');
  });

  it('refuses garbage and oversized ticket text without decoding it', () => {
    for (const text of ['', 'x', 'a.b', `${'a'.repeat(2000)}.${'b'.repeat(86)}`, 'é.é']) {
      expect(reason(() => verifyTicket(text, publicKey, RELAY, now))).toBe('invalid ticket');
    }
  });

  it('turns a seed into the same key pair every time', () => {
    expect(publicKeyToBase64(privateKeyFromSeed(seed))).toBe(publicKeyToBase64(privateKey));
    expect(() => publicKeyFromBase64('c2hvcnQ=', 'SFT_RELAY_PUBLIC_KEY')).toThrow(/SFT_RELAY_PUBLIC_KEY must be base64 of a 32-byte/);
  });
});

describe('the relay opening line', () => {
  it('round-trips a ticket', () => {
    expect(parseOpeningLine(openingLine('abc.def').trimEnd())).toBe('abc.def');
  });

  it('names the version it speaks when another one is asked for', () => {
    expect(reason(() => parseOpeningLine('sft-relay/2 please relay abc.def'))).toMatch(/unsupported version .*sft-relay\/1/);
  });

  it('refuses anything else as a bad opening line', () => {
    for (const line of ['', 'GET / HTTP/1.1', 'please relay abc for side 1', 'sft-relay/1 please relay', 'sft-relay/1 please relay a b']) {
      expect(reason(() => parseOpeningLine(line))).toBe('bad opening line');
    }
  });
});

describe(parseRelayUrl.name, () => {
  it('canonicalises tls://host:port and bare host:port', () => {
    expect(parseRelayUrl('tls://Relay.Example.org:8444')).toEqual({ host: 'relay.example.org', port: 8444, url: 'tls://relay.example.org:8444' });
    expect(parseRelayUrl('127.0.0.1:9000').url).toBe('tls://127.0.0.1:9000');
    expect(parseRelayUrl('tls://[::1]:9000')).toMatchObject({ host: '::1', url: 'tls://[::1]:9000' });
  });

  it('refuses other schemes, missing ports and paths', () => {
    for (const text of ['https://relay:8444', 'tls://relay', 'tls://relay:8444/x', 'tls://relay:0', 'nonsense']) {
      expect(() => parseRelayUrl(text)).toThrow(/SFT_RELAY_URL must look like tls:\/\//);
    }
  });
});
