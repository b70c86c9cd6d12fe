/**
 * A state machine that turns bytes into frames. It copies what it is fed at once (the header into a
 * 5-byte buffer, the payload into the frame's own buffer) and never keeps the buffer it was given, so a
 * socket may read into one reused buffer (see peer/read-tap.ts). It checks the type and the length
 * limit BEFORE allocating the payload, then fills the payload as its bytes arrive.
 *
 * Big payloads (file chunks) go into recycled buffers: a consumer done with a payload hands it back
 * with `release`, and the next big frame reuses its memory. A new 1 MiB buffer per chunk was a third of
 * what the receiver allocated outside the JavaScript heap, and that is what sets how often V8 collects
 * garbage (a measurable share of a transfer's CPU). A payload never released is simply collected.
 */
import { FrameType, HEADER_SIZE, isFrameType, MAX_PAYLOAD } from './constants';
import { ProtocolError } from './errors';

export interface Frame {
  type: FrameType;
  payload: Buffer;
}

/** Payloads of at least this many bytes are gathered into recycled buffers. */
export const RECYCLED_PAYLOAD_MIN = 64 * 1024;
/** Released buffers kept for reuse: a frame being filled and a few waiting to be opened. */
const SPARE_BUFFERS = 4;

export class FrameDecoder {
  /** The header being read: HEADER_SIZE bytes, `headerFilled` of them so far. */
  private readonly header = Buffer.alloc(HEADER_SIZE);
  private headerFilled = 0;
  /** The frame whose payload is being filled, once its header was read and checked. */
  private current: { type: FrameType; payload: Buffer; filled: number } | null = null;
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

  /**
   * Feeds bytes (copied; `chunk` may be reused once this returns); returns every frame completed by them
   * (possibly none). Throws ProtocolError on a bad header.
   */
  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    let offset = 0;
    for (;;) {
      if (this.current === null) {
        if (offset >= chunk.length) break;
        const take = Math.min(HEADER_SIZE - this.headerFilled, chunk.length - offset);
        chunk.copy(this.header, this.headerFilled, offset, offset + take);
        this.headerFilled += take;
        offset += take;
        if (this.headerFilled < HEADER_SIZE) break;
        this.headerFilled = 0;
        this.current = { ...this.checkedHeader(), filled: 0 };
      }
      const frame = this.current;
      const take = Math.min(frame.payload.length - frame.filled, chunk.length - offset);
      chunk.copy(frame.payload, frame.filled, offset, offset + take);
      frame.filled += take;
      offset += take;
      if (frame.filled < frame.payload.length) break;
      frames.push({ type: frame.type, payload: frame.payload });
      this.current = null;
    }
    return frames;
  }

  /** Call when the stream ends: throws if it ended inside a frame. */
  end(): void {
    if (this.current !== null || this.headerFilled > 0) {
      throw new ProtocolError('truncated_frame', 'The connection ended in the middle of a frame.');
    }
  }

  /** The complete header's type and a payload buffer of its length; throws before allocating if either is bad. */
  private checkedHeader(): { type: FrameType; payload: Buffer } {
    const type = this.header.readUInt8(0);
    const length = this.header.readUInt32BE(1);
    if (!isFrameType(type)) throw new ProtocolError('unknown_frame_type', `Unknown frame type ${type}.`);
    if (length > this.maxPayload) {
      throw new ProtocolError('frame_too_large', `Frame of ${length} bytes is over the ${this.maxPayload}-byte limit.`);
    }
    return { type, payload: length >= RECYCLED_PAYLOAD_MIN ? this.recycled(length) : Buffer.allocUnsafe(length) };
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

