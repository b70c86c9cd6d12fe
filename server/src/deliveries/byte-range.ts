/**
 * The one form of HTTP `Range` the blob download takes: `bytes=N-` (from byte N to the end), which is what
 * a receiver resuming a download asks for. Any other form (several ranges, a suffix, `N-M`) is ignored and
 * the whole blob is answered with 200, as RFC 9110 §14.2 allows. A pure function: the rule apart from HTTP.
 */
export type ByteRange =
  /** No usable Range header: answer the whole blob (200). */
  | { kind: 'whole' }
  /** Answer bytes `start`…size-1 (206). */
  | { kind: 'from'; start: number }
  /** `start` is at or past the end (416). */
  | { kind: 'unsatisfiable' };

const OPEN_RANGE = /^bytes=(\d{1,16})-$/;

export function parseByteRange(header: string | undefined, size: number): ByteRange {
  const match = header?.trim().match(OPEN_RANGE);
  if (!match) return { kind: 'whole' };
  const start = Number(match[1]);
  if (!Number.isSafeInteger(start)) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'from', start };
}
