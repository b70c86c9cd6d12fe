/**
 * Text from someone else (a peer's file names and messages, a server's error or session reason) must
 * not drive the user's terminal: escape sequences could clear the screen, retitle the window or forge
 * lines of output, and bidi overrides could disguise a name ("invoice‮fdp.exe").
 */

// Whole Unicode classes, not a list: controls (C0, DEL, C1 incl. CSI), format characters (bidi marks,
// overrides and isolates, U+061C, zero-width characters, BOM, tags...), lone surrogates, line and
// paragraph separators.
const UNSAFE_SOURCE = '[\\p{Cc}\\p{Cf}\\p{Cs}\\p{Zl}\\p{Zp}]';
// Allowed in names but shown escaped: full-width forms and slash look-alikes ("．．／" reads like "../").
const LOOKALIKE_SOURCE = '[\\u2044\\u2215\\u29f8\\uff00-\\uffef]';

/** Matches one character that must never reach a terminal raw. */
export const UNSAFE_FOR_TERMINAL = new RegExp(UNSAFE_SOURCE, 'u');

const UNSAFE_ALL = new RegExp(UNSAFE_SOURCE, 'gu');
const UNSAFE_OR_LOOKALIKE_ALL = new RegExp(`${UNSAFE_SOURCE}|${LOOKALIKE_SOURCE}`, 'gu');

/**
 * `text` with every unsafe character shown as \uXXXX escapes (one per UTF-16 unit, so astral format
 * characters become a \ud8xx\udcxx pair), and look-alike characters too when `lookalikes` is set (file
 * names). Ordinary text, including non-ASCII letters, is unchanged.
 */
export function escapeForTerminal(text: string, lookalikes = false): string {
  return text.replace(lookalikes ? UNSAFE_OR_LOOKALIKE_ALL : UNSAFE_ALL, unicodeEscapes);
}

/**
 * A JSON text (from JSON.stringify) with every unsafe character written as a \u escape: still the same
 * JSON value, but safe to pipe into a terminal. JSON.stringify itself leaves C1 controls, bidi and
 * format characters raw.
 */
export function escapeJsonForTerminal(json: string): string {
  return json.replace(UNSAFE_ALL, unicodeEscapes);
}

function unicodeEscapes(match: string): string {
  let out = '';
  for (let i = 0; i < match.length; i++) out += `\\u${match.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}
