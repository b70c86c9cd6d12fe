/**
 * Property-based fuzzing (fast-check, bounded runs) of the two parsers that see raw peer input: the
 * frame decoder and the manifest parser. Neither may throw anything but its own typed error, and the
 * decoder must refuse an oversized header before it buffers or allocates the payload.
 */
import { resolve, sep } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FrameDecoder, FrameType, HEADER_SIZE, ProtocolError } from '../../client/src/protocol';
import { TransferError } from '../../client/src/transfer';
import { parseManifest } from '../../client/src/transfer/manifest';
import { safeRelativeName } from '../../client/src/transfer/names';

const RUNS = 2000;
/** A small limit so random inputs reach the interesting states quickly. */
const LIMIT = 64;

/** Splits `bytes` at the given cut points into consecutive pieces. */
function splitAt(bytes: Uint8Array, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    pieces.push(Buffer.from(bytes.subarray(from, p)));
    from = p;
  }
  return pieces;
}

/** A frame with a valid header and `payload`. */
const validFrame = fc.record({ type: fc.integer({ min: 1, max: 7 }), payload: fc.uint8Array({ maxLength: LIMIT }) }).map(({ type, payload }) => {
  const header = Buffer.alloc(HEADER_SIZE);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(payload.length, 1);
  return { type, payload: Buffer.from(payload), bytes: Buffer.concat([header, payload]) };
});

afterEach(() => vi.restoreAllMocks());

describe(`${FrameDecoder.name} under fuzzing`, () => {
  it('throws nothing but ProtocolError for any byte stream split anywhere', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat(), { maxLength: 20 }), (bytes, cuts) => {
        const decoder = new FrameDecoder(LIMIT);
        try {
          for (const piece of splitAt(bytes, cuts)) for (const frame of decoder.push(piece)) expect(frame.payload.length).toBeLessThanOrEqual(LIMIT);
          decoder.end();
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err;
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('returns exactly the frames that were encoded, however the bytes are split', () => {
    fc.assert(
      fc.property(fc.array(validFrame, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 20 }), (frames, cuts) => {
        const decoder = new FrameDecoder(LIMIT);
        const out = splitAt(Buffer.concat(frames.map((f) => f.bytes)), cuts).flatMap((p) => decoder.push(p));
        decoder.end();
        expect(out.map((f) => ({ type: f.type, payload: Buffer.from(f.payload) }))).toEqual(frames.map((f) => ({ type: f.type, payload: f.payload })));
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses a header over the limit as soon as the header is in, without allocating its payload', () => {
    fc.assert(
      fc.property(fc.array(validFrame, { maxLength: 3 }), fc.integer({ min: LIMIT + 1, max: 0xffffffff }), (before, length) => {
        const decoder = new FrameDecoder(LIMIT);
        decoder.push(Buffer.concat(before.map((f) => f.bytes)));
        const header = Buffer.alloc(HEADER_SIZE);
        header.writeUInt8(FrameType.Chunk, 0);
        header.writeUInt32BE(length, 1);
        const allocUnsafe = vi.spyOn(Buffer, 'allocUnsafe');
        const alloc = vi.spyOn(Buffer, 'alloc');
        let error: unknown;
        try {
          decoder.push(header);
        } catch (err) {
          error = err;
        }
        const sizes = [...allocUnsafe.mock.calls, ...alloc.mock.calls].map((c) => Number(c[0]));
        vi.restoreAllMocks();
        expect(error).toBeInstanceOf(ProtocolError);
        expect((error as ProtocolError).code).toBe('frame_too_large');
        expect(sizes.every((n) => n <= LIMIT)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a 4 GiB length claim the moment its last header byte arrives', () => {
    const decoder = new FrameDecoder(LIMIT);
    const header = Buffer.alloc(HEADER_SIZE);
    header.writeUInt8(FrameType.Chunk, 0);
    header.writeUInt32BE(0xffffffff, 1);
    expect(() => decoder.push(header.subarray(0, 4))).not.toThrow(); // length not complete yet
    expect(() => decoder.push(header.subarray(4))).toThrow(expect.objectContaining({ code: 'frame_too_large' }));
  });
});

/** Strings made of the characters that break path handling. */
const hostileName = fc
  .array(fc.constantFrom('a', 'B', '.', '..', '/', '\\', ':', '\u0000', '\n', '\u001b', '\u202e', '\uff0e', '\uff0f', ' ', 'CON', 'nul', 'com1', '\u0301', 'e', '~'), { maxLength: 12 })
  .map((parts) => parts.join(''));
const anyName = fc.oneof(hostileName, fc.string({ unit: 'binary', maxLength: 40 }), fc.anything());
const entry = fc.record({ name: anyName, size: fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.anything()) }, { requiredKeys: [] });

describe(`${parseManifest.name} under fuzzing`, () => {
  it('throws nothing but TransferError for arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          parseManifest(Buffer.from(bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(TransferError);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('throws nothing but TransferError for arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ files: fc.oneof(fc.array(entry, { maxLength: 6 }), fc.jsonValue()) })), (value) => {
        try {
          parseManifest(Buffer.from(JSON.stringify(value) ?? 'null'));
        } catch (err) {
          expect(err).toBeInstanceOf(TransferError);
          expect(['protocol', 'unsafe_name']).toContain((err as TransferError).code);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('only ever accepts names that stay inside the output directory and carry no control characters', () => {
    const root = resolve('/srv/out');
    fc.assert(
      fc.property(fc.array(fc.record({ name: hostileName, size: fc.nat() }), { minLength: 1, maxLength: 4 }), (files) => {
        let entries;
        try {
          entries = parseManifest(Buffer.from(JSON.stringify({ files })));
        } catch (err) {
          expect(err).toBeInstanceOf(TransferError);
          return;
        }
        for (const e of entries) {
          expect(resolve(root, e.name).startsWith(root + sep)).toBe(true);
          // eslint-disable-next-line no-control-regex -- asserting control characters are absent
          expect(e.name).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\\:]/);
          expect(safeRelativeName(e.name)).toBe(e.name);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
