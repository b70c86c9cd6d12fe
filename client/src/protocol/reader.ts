/**
 * Pulls frames from a readable stream one at a time. Frames are queued as they arrive; when the
 * queue is full the stream is paused (backpressure) until the consumer catches up.
 */
import type { Duplex, Readable } from 'node:stream';
import type { Frame } from './decoder';
import { FrameDecoder } from './decoder';
import { ProtocolError } from './errors';
import { readTapOf, type ReadTap } from './read-tap';

/** Frames held before the stream is paused. */
const QUEUE_HIGH_WATER = 4;

export class FrameReader {
  private readonly decoder = new FrameDecoder();
  private readonly queue: Frame[] = [];
  private failure: ProtocolError | null = null;
  private waiter: { resolve(f: Frame): void; reject(e: Error): void } | null = null;
  /** Set when the stream reads into a reused buffer (read-tap.ts): then there are no 'data' events. */
  private readonly tap: ReadTap | undefined;

  constructor(private readonly stream: Readable) {
    this.tap = readTapOf(stream as Duplex);
    if (this.tap) this.tap.attach(this.onData);
    else stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('error', this.onError);
    stream.on('close', this.onClose);
    // A tapped socket reads (and can end or close) before anyone attaches: what already happened counts,
    // after the bytes that came before it (handed over by attach above).
    if (stream.errored) this.onError(stream.errored);
    else if (stream.readableEnded) this.onEnd();
    else if (stream.destroyed) this.onClose();
  }

  /** The next frame; rejects with a ProtocolError (closed, timeout, stream_error, or a framing error). */
  next(timeoutMs: number): Promise<Frame> {
    const queued = this.poll();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new ProtocolError('timeout', `No data from the peer for ${Math.round(timeoutMs / 1000)} s.`));
      }, timeoutMs);
      this.waiter = {
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  /** A frame that has already arrived, without waiting; undefined if none. */
  poll(): Frame | undefined {
    const frame = this.queue.shift();
    if (frame && this.queue.length < QUEUE_HIGH_WATER && this.stream.isPaused()) this.stream.resume();
    return frame;
  }

  /** Hands back a CHUNK payload once nothing refers to it (see FrameDecoder.release). */
  release(payload: Buffer): void {
    this.decoder.release(payload);
  }

  /** Stops listening to the stream. */
  detach(): void {
    if (this.tap) this.tap.detach();
    else this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('error', this.onError);
    this.stream.off('close', this.onClose);
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.failure) return;
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.fail(err as ProtocolError);
      return;
    }
    for (const frame of frames) {
      if (this.waiter) {
        const waiter = this.waiter;
        this.waiter = null;
        waiter.resolve(frame);
      } else {
        this.queue.push(frame);
      }
    }
    if (this.queue.length >= QUEUE_HIGH_WATER) this.stream.pause();
  };

  private readonly onEnd = (): void => {
    try {
      this.decoder.end();
      this.fail(new ProtocolError('closed', 'The peer closed the connection.'));
    } catch (err) {
      this.fail(err as ProtocolError);
    }
  };

  private readonly onError = (err: Error): void => {
    this.fail(new ProtocolError('stream_error', `Connection error: ${err.message}`, { cause: err }));
  };

  private readonly onClose = (): void => {
    this.fail(new ProtocolError('closed', 'The peer closed the connection.'));
  };

  private fail(err: ProtocolError): void {
    if (this.failure) return;
    this.failure = err;
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = null;
      waiter.reject(err);
    }
  }
}
