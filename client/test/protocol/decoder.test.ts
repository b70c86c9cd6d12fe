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

  it('keeps nothing of the buffer it is fed: one buffer reused for every read gives the same frames', () => {
    const chunk = (type: FrameType, fill: number, size: number) => Buffer.concat([Buffer.from([type, 0, 0, 0, 0]), Buffer.alloc(size, fill)]);
    const stream = Buffer.concat([chunk(FrameType.Chunk, 0xa1, 200_000), chunk(FrameType.FileEnd, 0x7b, 3), chunk(FrameType.Chunk, 0xb2, 150_000)]);
    stream.writeUInt32BE(200_000, 1);
    stream.writeUInt32BE(3, 200_005 + 1);
    stream.writeUInt32BE(150_000, 200_005 + 8 + 1);
    const decoder = new FrameDecoder();
    const reused = Buffer.alloc(16 * 1024);
    const frames = [];
    for (let offset = 0; offset < stream.length; offset += reused.length) {
      const n = stream.copy(reused, 0, offset, offset + reused.length);
      frames.push(...decoder.push(reused.subarray(0, n)));
      reused.fill(0xee); // what a socket reading into this buffer next would do
    }
    decoder.end();
    expect(frames.map((f) => [f.type, f.payload.length])).toEqual([[FrameType.Chunk, 200_000], [FrameType.FileEnd, 3], [FrameType.Chunk, 150_000]]);
    expect(frames[0].payload.every((b) => b === 0xa1)).toBe(true);
    expect(frames[1].payload.every((b) => b === 0x7b)).toBe(true);
    expect(frames[2].payload.every((b) => b === 0xb2)).toBe(true);
  });

  it('reuses the memory of a released big payload for the next one, and never of one still held', () => {
    const frame = (fill: number) => Buffer.concat([Buffer.from([FrameType.Chunk, 0, 0x01, 0, 0]), Buffer.alloc(0x10000, fill)]);
    const decoder = new FrameDecoder();
    const [held] = decoder.push(frame(1));
    const [released] = decoder.push(frame(2));
    decoder.release(released.payload);
    decoder.release(Buffer.alloc(0x10000)); // not one of its own: ignored
    const [next] = decoder.push(frame(3));
    expect(next.payload.buffer).toBe(released.payload.buffer);
    expect(next.payload.every((b) => b === 3)).toBe(true);
    const [after] = decoder.push(frame(4));
    expect(after.payload.buffer).not.toBe(held.payload.buffer);
    expect(held.payload.every((b) => b === 1)).toBe(true);
  });
});
