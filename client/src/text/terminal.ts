/**
 * Text from someone else (a peer's file names and messages, a server's error or session reason) must
 * not drive the user's terminal: escape sequences could clear the screen, retitle the window or forge
 * lines of output, and bidi overrides could disguise a name ("invoice‮fdp.exe").
 */

// C0 controls, DEL, C1 controls (incl. CSI), bidi marks/overrides/isolates, BOM and line/paragraph separators.
const UNSAFE_SOURCE = '[\\u0000-\\u001f\\u007f-\\u009f\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069\\ufeff]';
// Allowed in names but shown escaped: full-width forms and slash look-alikes ("．．／" reads like "../").
const LOOKALIKE_SOURCE = '[\\u2044\\u2215\\u29f8\\uff00-\\uffef]';

/** Matches one character that must never reach a terminal raw. */
export const UNSAFE_FOR_TERMINAL = new RegExp(UNSAFE_SOURCE);

const UNSAFE_ALL = new RegExp(UNSAFE_SOURCE, 'g');
const UNSAFE_OR_LOOKALIKE_ALL = new RegExp(`${UNSAFE_SOURCE}|${LOOKALIKE_SOURCE}`, 'g');

/**
 * `text` with every unsafe character shown as a \uXXXX escape (and look-alike characters too when
 * `lookalikes` is set, for file names). Ordinary text, including non-ASCII letters, is unchanged.
 */
export function escapeForTerminal(text: string, lookalikes = false): string {
  return text.replace(lookalikes ? UNSAFE_OR_LOOKALIKE_ALL : UNSAFE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A JSON text with every character that must not reach a terminal raw written as a JSON `\uXXXX` escape.
 * JSON.stringify escapes C0 controls but leaves C1 controls, bidi overrides and line separators as they
 * are; this keeps the parsed value exactly the same while the printed line stays inert.
 */
export function jsonForTerminal(json: string): string {
  return json.replace(UNSAFE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
