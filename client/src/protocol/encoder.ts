/**
 * Writes frames to a stream: the header and the payload's parts as separate buffers in one corked
 * write (the stream sees a writev; no concatenated copy), honouring backpressure.
 */
import type { Writable } from 'node:stream';
import { FrameType, HEADER_SIZE, MAX_PAYLOAD } from './constants';

/** A frame payload: one buffer, or parts sent back to back (e.g. ciphertext and GCM tag). */
export type Payload = Buffer | readonly Buffer[];

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

/**
 * Hands one frame to the stream at once, without waiting: the caller decides when to wait for
 * 'drain' (see `waitForDrain`). Throws when the stream is already closed.
 */
export function queueFrame(stream: Writable, type: FrameType, payload: Payload): void {
  const parts = Buffer.isBuffer(payload) ? [payload] : payload;
  let length = 0;
  for (const part of parts) length += part.length;
  const header = encodeHeader(type, length);
  if (stream.destroyed || stream.writableEnded) throw new Error('The connection is closed.');
  stream.cork();
  stream.write(header);
  for (const part of parts) if (part.length > 0) stream.write(part);
  stream.uncork();
}

/** Writes one frame; resolves when the stream can take more (after 'drain' if its buffer was full). */
export async function writeFrame(stream: Writable, type: FrameType, payload: Payload): Promise<void> {
  queueFrame(stream, type, payload);
  if (stream.writableNeedDrain) await waitForDrain(stream);
}

/** Resolves on the stream's next 'drain'; rejects if it closes or fails first. */
export function waitForDrain(stream: Writable): Promise<void> {
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
