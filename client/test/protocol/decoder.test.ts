import { afterEach, describe, expect, it, vi } from 'vitest';
import { FrameType, HEADER_SIZE, MAX_PAYLOAD } from '../../src/protocol/constants';
import { FrameDecoder } from '../../src/protocol/decoder';
import { ProtocolError } from '../../src/protocol/errors';

// Two frames, fixed bytes: HELLO with payload "hi", then an empty FILE_END.
const BYTES = Buffer.from([0x01, 0x00, 0x00, 0x00, 0x02, 0x68, 0x69, 0x04, 0x00, 0x00, 0x00, 0x00]);

function decodeAll(parts: Buffer[]): { type: number; payload: string }[] {
  const decoder = new FrameDecoder();
  const frames = parts.flatMap((p) => decoder.push(p));
  decoder.end();
  return frames.map((f) => ({ type: f.type, payload: f.payload.toString('utf8') }));
}

describe(FrameDecoder.name, () => {
  afterEach(() => vi.restoreAllMocks());

  it('decodes fixed bytes delivered whole', () => {
    expect(decodeAll([BYTES])).toEqual([
      { type: FrameType.Hello, payload: 'hi' },
      { type: FrameType.FileEnd, payload: '' },
    ]);
  });

  it('decodes the same frames when the bytes are split at any one boundary', () => {
    for (let i = 0; i <= BYTES.length; i++) {
      expect(decodeAll([BYTES.subarray(0, i), BYTES.subarray(i)])).toHaveLength(2);
    }
  });

  it('decodes the same frames when split at every pair of boundaries', () => {
    for (let i = 0; i <= BYTES.length; i++) {
      for (let j = i; j <= BYTES.length; j++) {
        const frames = decodeAll([BYTES.subarray(0, i), BYTES.subarray(i, j), BYTES.subarray(j)]);
        expect(frames.map((f) => f.payload)).toEqual(['hi', '']);
      }
    }
  });

  it('decodes byte by byte', () => {
    const parts = [...BYTES].map((b) => Buffer.from([b]));
    expect(decodeAll(parts).map((f) => f.type)).toEqual([FrameType.Hello, FrameType.FileEnd]);
  });

  it('refuses an oversized length from the header alone, before allocating the payload', () => {
    const alloc = vi.spyOn(Buffer, 'allocUnsafe');
    const allocSafe = vi.spyOn(Buffer, 'alloc');
    const header = Buffer.from([FrameType.Chunk, 0xff, 0xff, 0xff, 0xff]);
    const decoder = new FrameDecoder();
    expect(() => decoder.push(header)).toThrow(expect.objectContaining({ code: 'frame_too_large' }));
    const big = [...alloc.mock.calls, ...allocSafe.mock.calls].filter(([size]) => Number(size) > HEADER_SIZE);
    expect(big).toEqual([]);
  });

  it('accepts a payload of exactly the limit', () => {
    const header = Buffer.from([FrameType.Chunk, 0, 0, 0, 0]);
    header.writeUInt32BE(MAX_PAYLOAD, 1);
    const frames = new FrameDecoder().push(Buffer.concat([header, Buffer.alloc(MAX_PAYLOAD)]));
    expect(frames[0].payload.length).toBe(MAX_PAYLOAD);
  });

  it('refuses an unknown frame type', () => {
    expect(() => new FrameDecoder().push(Buffer.from([0x7f, 0, 0, 0, 0]))).toThrow(expect.objectContaining({ code: 'unknown_frame_type' }));
  });

  it('reports a stream that ends inside a frame as truncated', () => {
    const decoder = new FrameDecoder();
    decoder.push(BYTES.subarray(0, 6));
    expect(() => decoder.end()).toThrow(ProtocolError);
  });
});
