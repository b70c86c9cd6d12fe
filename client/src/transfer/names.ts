/**
 * Checks file names that come from the peer. A name is a relative path with '/' separators; anything
 * that could escape the output directory, hide itself on a terminal or misbehave on Windows is refused
 * (the whole transfer is refused, loudly, rather than silently renamed).
 *
 * A name is decided once, as the bytes that will be on disk: it must be well-formed Unicode (a lone
 * surrogate would silently become U+FFFD in UTF-8, so two different names could land on one file), and
 * two names of one transfer must not collide once converted (bytes, NFC, letter case).
 */
import { escapeForTerminal, UNSAFE_FOR_TERMINAL } from '../text/terminal';
import { TransferError } from './errors';

/** Longest accepted name, in UTF-8 bytes, and longest single path segment. */
export const MAX_NAME_BYTES = 1024;
export const MAX_SEGMENT_BYTES = 255;
export const MAX_DEPTH = 32;

// Control and format characters (\p{Cc}, \p{Cf}: escape sequences, bidi controls, U+061C...), separators.
const FORBIDDEN_CHARS = UNSAFE_FOR_TERMINAL;
// A UTF-16 surrogate that is not part of a pair: not well-formed Unicode, no UTF-8 form.
const LONE_SURROGATE = /\p{Cs}/u;
// Characters Windows forbids in names (':' also covers drive letters and NTFS streams).
const WINDOWS_FORBIDDEN = /[\\:*?"<>|]/;
// Windows device names, with or without an extension (CON, nul.txt, COM1, lpt9.log, COM¹ ...).
const DEVICE_NAME = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/**
 * Returns the NFC form of a peer-supplied name if it is a safe relative path; throws
 * TransferError('unsafe_name') saying why otherwise.
 */
export function safeRelativeName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw unsafe(name, 'it is empty');
  if (LONE_SURROGATE.test(name)) throw unsafe(name, 'it is not well-formed Unicode (a lone surrogate has no form on disk)');
  const normalized = name.normalize('NFC');
  if (Buffer.byteLength(normalized, 'utf8') > MAX_NAME_BYTES) throw unsafe(name, 'it is too long');
  if (FORBIDDEN_CHARS.test(normalized)) throw unsafe(name, 'it contains control or formatting characters');
  if (WINDOWS_FORBIDDEN.test(normalized)) throw unsafe(name, 'it contains a backslash, colon or another reserved character');
  if (normalized.startsWith('/')) throw unsafe(name, 'it is an absolute path');
  const segments = normalized.split('/');
  if (segments.length > MAX_DEPTH) throw unsafe(name, 'it is nested too deeply');
  for (const segment of segments) {
    if (segment === '') throw unsafe(name, 'it has an empty path segment');
    if (segment === '.' || segment === '..') throw unsafe(name, 'it contains "." or ".." segments');
    if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES) throw unsafe(name, 'a path segment is too long');
    if (segment.endsWith('.') || segment.endsWith(' ')) throw unsafe(name, 'a segment ends with a dot or a space');
    if (DEVICE_NAME.test(segment)) throw unsafe(name, 'it is a reserved device name');
  }
  return normalized;
}

/**
 * Throws TransferError('unsafe_name') if two names would land on the same file (as disk bytes, on a
 * case-insensitive or normalizing file system), or if one name is a directory prefix of another
 * ("a" and "a/b").
 */
export function checkNameCollisions(names: string[]): void {
  const files = new Set<string>();
  const dirs = new Set<string>();
  for (const name of names) {
    const key = diskKey(name);
    if (files.has(key) || dirs.has(key)) throw unsafe(name, 'it collides with another name in the transfer');
    files.add(key);
    const segments = key.split('/');
    for (let i = 1; i < segments.length; i++) {
      const dir = segments.slice(0, i).join('/');
      if (files.has(dir)) throw unsafe(name, 'it collides with another name in the transfer');
      dirs.add(dir);
    }
  }
}

/** What the file system makes of `name`: its UTF-8 bytes (read back), in NFC, lower case. */
function diskKey(name: string): string {
  return Buffer.from(name, 'utf8').toString('utf8').normalize('NFC').toLowerCase();
}

function unsafe(name: unknown, why: string): TransferError {
  const shown = displayName(typeof name === 'string' ? name.slice(0, 80) : String(name));
  return new TransferError('unsafe_name', `Refused the file name ${shown}: ${why}.`);
}

/** A name quoted for terminals: control, formatting and look-alike characters shown as \uXXXX escapes. */
export function displayName(name: string): string {
  const escaped = escapeForTerminal(name, true);
  return `"${escaped}"`;
}
