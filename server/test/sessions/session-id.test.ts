import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSessionId, newSessionId, parseSessionId } from '../../src/sessions/session-id';

describe(newSessionId.name, () => {
  it('makes 16 Crockford base32 characters (80 bits)', () => {
    for (let i = 0; i < 200; i++) expect(newSessionId()).toMatch(/^[0-9abcdefghjkmnpqrstvwxyz]{16}$/);
  });

  it('uses every character of the alphabet over many ids', () => {
    const seen = new Set([...Array.from({ length: 200 }, newSessionId).join('')]);
    expect(seen.size).toBe(32);
  });
});

describe(parseSessionId.name, () => {
  it('reads back the formatted id, in upper case and without dashes', () => {
    fc.assert(
      fc.property(fc.constant(null).map(() => newSessionId()), (id) => {
        expect(parseSessionId(formatSessionId(id))).toBe(id);
        expect(parseSessionId(formatSessionId(id).toUpperCase())).toBe(id);
        expect(parseSessionId(id.toUpperCase())).toBe(id);
      }),
    );
  });

  it('maps the Crockford look-alikes i, l and o', () => {
    expect(parseSessionId('IlOo-0000-0000-0000')).toBe('1100000000000000');
  });

  it.each(['', 'abc', '0000-0000-0000-000u', '0000-0000-0000-0000-0', "'; drop table sessions;--"])('refuses %j', (input) => {
    expect(parseSessionId(input)).toBeNull();
  });
});

describe(formatSessionId.name, () => {
  it('groups the id in fours', () => {
    expect(formatSessionId('abcdefghjkmnpqrs')).toBe('abcd-efgh-jkmn-pqrs');
  });
});
