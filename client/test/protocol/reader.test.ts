import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FrameType } from '../../src/protocol/constants';
import { FrameReader } from '../../src/protocol/reader';

describe(FrameReader.name, () => {
  it('hands out frames in the order they arrived', async () => {
    const stream = new PassThrough();
    const reader = new FrameReader(stream);
    stream.write(Buffer.from([FrameType.Hello, 0, 0, 0, 1, 0x41, FrameType.Result, 0, 0, 0, 0]));
    expect((await reader.next(1000)).type).toBe(FrameType.Hello);
    expect((await reader.next(1000)).type).toBe(FrameType.Result);
  });

  it('rejects with code "closed" when the stream ends between frames', async () => {
    const stream = new PassThrough();
    const reader = new FrameReader(stream);
    const next = reader.next(5000);
    stream.end();
    await expect(next).rejects.toMatchObject({ code: 'closed' });
  });

  it('rejects with code "truncated_frame" when the stream ends inside a frame', async () => {
    const stream = new PassThrough();
    const reader = new FrameReader(stream);
    const next = reader.next(5000);
    stream.end(Buffer.from([FrameType.Hello, 0, 0, 0, 9, 1]));
    await expect(next).rejects.toMatchObject({ code: 'truncated_frame' });
  });

  it('rejects with code "timeout" when nothing arrives in time', async () => {
    const reader = new FrameReader(new PassThrough());
    await expect(reader.next(20)).rejects.toMatchObject({ code: 'timeout' });
  });

  it('pauses the stream while frames pile up unread', () => {
    const stream = new PassThrough();
    const reader = new FrameReader(stream);
    for (let i = 0; i < 8; i++) stream.write(Buffer.from([FrameType.FileEnd, 0, 0, 0, 0]));
    expect(stream.isPaused()).toBe(true);
    while (reader.poll()) {
      // drain
    }
    expect(stream.isPaused()).toBe(false);
  });
});
