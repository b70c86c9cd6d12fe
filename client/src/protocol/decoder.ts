/**
 * A buffered state machine that turns bytes into frames. It keeps incoming buffers in a list,
 * reads the 5-byte header, checks the type and the length limit BEFORE allocating the payload,
 * then waits until the whole payload has arrived.
 *
 * Big payloads (file chunks) are gathered into recycled buffers: a consumer done with a payload hands
 * it back with `release`, and the next big frame reuses its memory. A new 1 MiB buffer per chunk was a
 * third of what the receiver allocated outside the JavaScript heap, and that is what sets how often
 * V8 collects garbage (a measurable share of a transfer's CPU). A payload never released is simply
 * collected as before.
 */
import { FrameType, HEADER_SIZE, isFrameType, MAX_PAYLOAD } from './constants';
import { ProtocolError } from './errors';

export interface Frame {
  type: FrameType;
  payload: Buffer;
}

/** Payloads of at least this many bytes that span incoming buffers are gathered into recycled buffers. */
export const RECYCLED_PAYLOAD_MIN = 64 * 1024;
/** Released buffers kept for reuse: a frame being filled and a few waiting to be opened. */
const SPARE_BUFFERS = 4;

export class FrameDecoder {
  private buffers: Buffer[] = [];
  private buffered = 0;
  private pending: { type: FrameType; length: number } | null = null;
  /** The memory of released payloads, ready for the next big frame. */
  private readonly spare: ArrayBuffer[] = [];
  /** Every buffer this decoder made for recycling: `release` takes back only these. */
  private readonly recyclable = new WeakSet<ArrayBuffer>();

  constructor(private readonly maxPayload = MAX_PAYLOAD) {}

  /**
   * Hands back a payload this decoder returned, once nothing refers to it any more (its bytes may be
   * overwritten by a later frame). Anything else is ignored.
   */
  release(payload: Buffer): void {
    const memory = payload.buffer as ArrayBuffer;
    if (payload.byteOffset !== 0 || !this.recyclable.has(memory) || this.spare.length >= SPARE_BUFFERS || this.spare.includes(memory)) return;
    this.spare.push(memory);
  }

  /** Feeds bytes; returns every frame completed by them (possibly none). Throws ProtocolError on a bad header. */
  push(chunk: Buffer): Frame[] {
    if (chunk.length > 0) {
      this.buffers.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Frame[] = [];
    for (;;) {
      if (this.pending === null) {
        if (this.buffered < HEADER_SIZE) break;
        const header = this.take(HEADER_SIZE);
        const type = header.readUInt8(0);
        const length = header.readUInt32BE(1);
        if (!isFrameType(type)) throw new ProtocolError('unknown_frame_type', `Unknown frame type ${type}.`);
        if (length > this.maxPayload) {
          throw new ProtocolError('frame_too_large', `Frame of ${length} bytes is over the ${this.maxPayload}-byte limit.`);
        }
        this.pending = { type, length };
      }
      if (this.buffered < this.pending.length) break;
      frames.push({ type: this.pending.type, payload: this.take(this.pending.length) });
      this.pending = null;
    }
    return frames;
  }

  /** Call when the stream ends: throws if it ended inside a frame. */
  end(): void {
    if (this.pending !== null || this.buffered > 0) {
      throw new ProtocolError('truncated_frame', 'The connection ended in the middle of a frame.');
    }
  }

  /** Removes and returns the first `n` buffered bytes (n <= buffered), copying only when they span buffers. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.buffers[0];
    if (n === 0) return Buffer.alloc(0);
    if (first.length === n) {
      this.buffers.shift();
      return first;
    }
    if (first.length > n) {
      this.buffers[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = n >= RECYCLED_PAYLOAD_MIN ? this.recycled(n) : Buffer.allocUnsafe(n);
    let offset = 0;
    while (offset < n) {
      const buf = this.buffers[0];
      const want = n - offset;
      if (buf.length <= want) {
        buf.copy(out, offset);
        offset += buf.length;
        this.buffers.shift();
      } else {
        buf.copy(out, offset, 0, want);
        this.buffers[0] = buf.subarray(want);
        offset += want;
      }
    }
    return out;
  }

  /** `n` bytes of a released buffer, or of a new one this decoder will take back. */
  private recycled(n: number): Buffer {
    let memory = this.spare.pop();
    if (!memory || memory.byteLength < n) {
      memory = new ArrayBuffer(Math.max(n, this.maxPayload));
      this.recyclable.add(memory);
    }
    return Buffer.from(memory, 0, n);
  }
}

