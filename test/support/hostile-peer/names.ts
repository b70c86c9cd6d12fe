/** Hostile file names for property tests: drawn from all of Unicode, with lone surrogates and format characters in the mix. */
import fc from 'fast-check';

/** Every code point of the Unicode format class \p{Cf} (bidi controls, U+061C, zero-width characters, tags...). */
export const FORMAT_CHARACTERS: string[] = (() => {
  const all: string[] = [];
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const c = String.fromCodePoint(cp);
    if (/\p{Cf}/u.test(c)) all.push(c);
  }
  return all;
})();

/** One UTF-16 piece of a name: any code point, a lone surrogate, a format character, or a path-ish character. */
const piece: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((cp) => String.fromCharCode(cp)) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 0x10ffff }).filter((cp) => cp < 0xd800 || cp > 0xdfff).map((cp) => String.fromCodePoint(cp)) },
  { weight: 2, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit)) },
  { weight: 2, arbitrary: fc.constantFrom(...FORMAT_CHARACTERS) },
  { weight: 1, arbitrary: fc.constantFrom('/', '.', '..', '\\', '\u0000', '\u001b[2J', '\u009b', '\uff0e', '\uff0f', '\u2215', 'e\u0301', 'K', '\u212a') },
);

/** A candidate file name a hostile peer might send. */
export const hostileName: fc.Arbitrary<string> = fc.array(piece, { minLength: 1, maxLength: 12 }).map((parts) => parts.join(''));

/** Two names that differ only where one has one lone surrogate and the other another one (the same disk bytes). */
export const surrogateTwins: fc.Arbitrary<[string, string]> = fc
  .tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.integer({ min: 0xd800, max: 0xdfff }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.stringMatching(/^[a-z]{0,4}\.txt$/))
  .filter(([, a, b]) => a !== b)
  .map(([head, a, b, tail]) => [`${head}${String.fromCharCode(a)}${tail}`, `${head}${String.fromCharCode(b)}${tail}`]);
