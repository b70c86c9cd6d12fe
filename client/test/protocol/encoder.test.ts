import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FrameType, MAX_PAYLOAD } from '../../src/protocol/constants';
import { encodeHeader, writeFrame } from '../../src/protocol/encoder';

/** A writable that records each write separately and is "full" after every write until drained. */
function recorder(highWaterMark: number): { stream: Writable; writes: Buffer[] } {
  const writes: Buffer[] = [];
  const stream = new Writable({
    highWaterMark,
    writev(chunks, cb) {
      for (const c of chunks) writes.push(Buffer.from(c.chunk as Buffer));
      setImmediate(cb);
    },
    write(chunk: Buffer, _enc, cb) {
      writes.push(Buffer.from(chunk));
      setImmediate(cb);
    },
  });
  return { stream, writes };
}

describe(writeFrame.name, () => {
  it('writes the header and the payload as two separate buffers', async () => {
    const { stream, writes } = recorder(1 << 20);
    await writeFrame(stream, FrameType.Hello, Buffer.from('hi'));
    await new Promise((r) => setImmediate(r));
    expect(writes.map((w) => w.toString('hex'))).toEqual(['0100000002', '6869']);
  });

  it('resolves only after the stream drained when its buffer was full', async () => {
    const { stream } = recorder(4);
    let drained = false;
    stream.once('drain', () => (drained = true));
    await writeFrame(stream, FrameType.Chunk, Buffer.alloc(64));
    expect(drained).toBe(true);
  });

  it('rejects when the stream is already closed', async () => {
    const { stream } = recorder(16);
    stream.destroy();
    await expect(writeFrame(stream, FrameType.Hello, Buffer.from('{}'))).rejects.toThrow(/closed/);
  });
});

describe(encodeHeader.name, () => {
  it('refuses a payload over the limit', () => {
    expect(() => encodeHeader(FrameType.Chunk, MAX_PAYLOAD + 1)).toThrow(RangeError);
  });
});
