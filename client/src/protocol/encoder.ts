/** Writes frames to a stream: header and payload as two writes (no concatenated copy), honouring backpressure. */
import type { Writable } from 'node:stream';
import { FrameType, HEADER_SIZE, MAX_PAYLOAD } from './constants';

/** The 5-byte header for a frame of `type` with a payload of `length` bytes. */
export function encodeHeader(type: FrameType, length: number): Buffer {
  if (!Number.isInteger(length) || length < 0 || length > MAX_PAYLOAD) {
    throw new RangeError(`Frame payload of ${length} bytes is over the ${MAX_PAYLOAD}-byte limit.`);
  }
  const header = Buffer.allocUnsafe(HEADER_SIZE);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(length, 1);
  return header;
}

/** Writes one frame; resolves when the stream can take more (after 'drain' if its buffer was full). */
export async function writeFrame(stream: Writable, type: FrameType, payload: Buffer): Promise<void> {
  const header = encodeHeader(type, payload.length);
  if (stream.destroyed || stream.writableEnded) throw new Error('The connection is closed.');
  stream.cork();
  stream.write(header);
  const ok = stream.write(payload);
  stream.uncork();
  if (!ok) await waitForDrain(stream);
}

function waitForDrain(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      stream.off('error', onError);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('The connection closed while sending.'));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    stream.on('drain', onDrain);
    stream.on('close', onClose);
    stream.on('error', onError);
  });
}
