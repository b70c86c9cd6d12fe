/**
 * Refuses JSON request bodies nested deeper than any sft route needs, before JSON.parse and before
 * anything walks the value recursively (validation, transformation, logging): a few kilobytes of
 * `[[[[...` would otherwise exhaust the stack and turn a bad request into a 500.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Deepest nesting of objects and arrays a body may have (sft bodies need 3). */
export const MAX_JSON_DEPTH = 32;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The deepest nesting in a JSON text, counted on its bytes in one pass (brackets inside strings do not count). */
export function jsonDepth(body: Buffer, stopAbove = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > stopAbove) return deepest;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
    }
  }
  return deepest;
}

/**
 * A body-parser `verify` hook: throws for a body nested deeper than MAX_JSON_DEPTH. body-parser turns
 * the throw into an `entity.verify.failed` error, which the error filter answers with 400.
 */
export function rejectDeepJson(_req: IncomingMessage, _res: ServerResponse, body: Buffer): void {
  if (jsonDepth(body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw Object.assign(new Error(`The request body is nested deeper than ${MAX_JSON_DEPTH} levels.`), { status: 400 });
  }
}
