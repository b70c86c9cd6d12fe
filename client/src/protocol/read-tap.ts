/**
 * A socket's reads into one reused buffer instead of a new buffer per read. Node's TLS socket hands
 * its reader a fresh 16 KiB buffer per record (64 per MiB), and buffers outside the JavaScript heap are
 * what makes V8 collect garbage, a measurable share of a receiver's CPU. With `tls.connect`'s `onread`
 * option the socket decrypts into one buffer of ours and calls back instead of emitting 'data'.
 *
 * The dialer (peer/dial.ts) passes `tap.onread` to `tls.connect` and registers the socket; the
 * FrameReader finds the tap with `readTapOf` and attaches to it instead of listening for 'data'. Bytes
 * that come before anyone attached are kept (copied) and handed over on attach. A consumer must copy
 * what it keeps before it returns (FrameDecoder does), and may pause the socket to stop the calls.
 * Sockets without a tap (a listener's accepted ones, a relayed pipe) keep their 'data' events.
 */
import type { Duplex } from 'node:stream';

/** The reused read buffer: a few TLS records per call. */
const TAP_BUFFER_SIZE = 64 * 1024;

const taps = new WeakMap<Duplex, ReadTap>();

/** The tap registered for `stream`, if its reads go through one. */
export function readTapOf(stream: Duplex): ReadTap | undefined {
  return taps.get(stream);
}

export class ReadTap {
  private consumer: ((bytes: Buffer) => void) | null = null;
  private early: Buffer[] = [];

  /** For `tls.connect({ onread })`. */
  readonly onread = {
    buffer: Buffer.allocUnsafe(TAP_BUFFER_SIZE),
    callback: (bytes: number, buffer: Buffer): void => this.deliver(buffer.subarray(0, bytes)),
  };

  /** Says that `socket` reads through this tap (call right after `tls.connect`). */
  register(socket: Duplex): void {
    taps.set(socket, this);
  }

  /** From now on every read goes to `consumer` (first the bytes that came before); one consumer at a time. */
  attach(consumer: (bytes: Buffer) => void): void {
    this.consumer = consumer;
    for (const bytes of this.early.splice(0)) consumer(bytes);
  }

  detach(): void {
    this.consumer = null;
  }

  private deliver(bytes: Buffer): void {
    if (this.consumer) this.consumer(bytes);
    else this.early.push(Buffer.from(bytes));
  }
}
