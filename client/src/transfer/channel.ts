/**
 * A framed connection to the peer as the transfer code sees it: typed sends and receives that throw
 * TransferError, peer ERROR frames turned into errors, and a best-effort ERROR on our own failure.
 */
import type { Duplex } from 'node:stream';
import { FrameType, FrameReader, ProtocolError, queueFrame, waitForDrain, writeFrame, type Frame, type Payload } from '../protocol';
import { TransferError, isTransferErrorCode } from './errors';
import { displayName } from './names';

/** Default time to wait for the next frame from the peer. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
/** Time a failed connection gets to flush our ERROR frame before it is destroyed. */
const CLOSE_GRACE_MS = 2_000;
/**
 * Bytes we let the stream buffer before `send` waits for it to drain. Node's sockets say "full" at
 * 16 KiB, less than one chunk; waiting there would leave the link idle while the next chunk is
 * sealed. 2 MiB keeps two chunks in flight and memory constant: against 4 MiB, the same speed in
 * interleaved 1 GiB and 4 GiB rounds (255 vs 260, 298 vs 297 MiB/s) and 6–7 MiB less peak RSS on the sender.
 */
export const SEND_BUFFER = 2 * 1024 * 1024;

export interface ErrorPayload {
  code: string;
  message: string;
}

export class Channel {
  private readonly reader: FrameReader;

  constructor(
    readonly stream: Duplex,
    private readonly idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS,
  ) {
    this.reader = new FrameReader(stream);
  }

  /**
   * Sends one frame. It is handed to the stream at once; the promise waits only when the stream holds
   * SEND_BUFFER bytes or more (backpressure), and only then with the idle timeout armed.
   */
  async send(type: FrameType, payload: Payload): Promise<void> {
    try {
      queueFrame(this.stream, type, payload);
    } catch (err) {
      throw this.closedWhileSending(err);
    }
    const stream = this.stream;
    if (!stream.writableNeedDrain || stream.writableLength < SEND_BUFFER) return;
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TransferError('timeout', `The peer stopped reading for ${Math.round(this.idleTimeoutMs / 1000)} s.`)),
        this.idleTimeoutMs,
      );
    });
    try {
      await Promise.race([waitForDrain(stream), stalled]);
    } catch (err) {
      if (err instanceof TransferError) throw err;
      throw this.closedWhileSending(err);
    } finally {
      clearTimeout(timer);
    }
  }

  private closedWhileSending(err: unknown): TransferError {
    this.throwIfPeerReported();
    return new TransferError('peer_closed', 'The connection closed while sending.', false, { cause: err });
  }

  sendJson(type: FrameType, value: unknown): Promise<void> {
    return this.send(type, Buffer.from(JSON.stringify(value), 'utf8'));
  }

  /**
   * The next frame of any type; an ERROR frame from the peer is thrown as a TransferError.
   * `timeoutMs` overrides the idle timeout for this one read (e.g. while the peer's user confirms).
   */
  async next(timeoutMs = this.idleTimeoutMs): Promise<Frame> {
    let frame: Frame;
    try {
      frame = await this.reader.next(timeoutMs);
    } catch (err) {
      throw fromProtocolError(err);
    }
    if (frame.type === FrameType.Error) throw peerError(frame.payload);
    return frame;
  }

  /** The payload of the next frame, which must be of `type`. */
  async expect(type: FrameType, timeoutMs?: number): Promise<Buffer> {
    const frame = await this.next(timeoutMs);
    if (frame.type !== type) {
      throw new TransferError('protocol', `Expected a ${FrameType[type]} frame from the peer, got ${FrameType[frame.type]}.`);
    }
    return frame.payload;
  }

  /** The JSON payload of the next frame, which must be of `type`. */
  async expectJson<T>(type: FrameType, timeoutMs?: number): Promise<T> {
    return parseJson<T>(await this.expect(type, timeoutMs), FrameType[type]);
  }

  /** Hands back a frame's payload once nothing refers to it any more: its memory serves a later frame. */
  release(payload: Buffer): void {
    this.reader.release(payload);
  }

  /** Without waiting: throws if the peer has already sent something (only ERROR is expected while we stream). */
  throwIfPeerReported(): void {
    const frame = this.reader.poll();
    if (!frame) return;
    if (frame.type === FrameType.Error) throw peerError(frame.payload);
    throw new TransferError('protocol', `Unexpected ${FrameType[frame.type]} frame from the peer.`);
  }

  /** Ends the connection after a successful transfer (everything written is flushed first). */
  close(): void {
    this.stream.end();
  }

  /** Ends a failed transfer: `err` as a TransferError, told to the peer (see `abort`). Returns it to throw. */
  fail(err: unknown): TransferError {
    const failure = fromProtocolError(err);
    this.abort(failure);
    return failure;
  }

  /** Tells the peer why we stop (unless the peer told us), then closes the connection. */
  abort(err: TransferError): void {
    const stream = this.stream;
    if (!err.remote && !stream.destroyed && !stream.writableEnded) {
      const payload: ErrorPayload = { code: err.code, message: err.message };
      writeFrame(stream, FrameType.Error, Buffer.from(JSON.stringify(payload), 'utf8')).catch(() => undefined);
    }
    if (!stream.writableEnded) stream.end();
    setTimeout(() => stream.destroy(), CLOSE_GRACE_MS).unref();
  }
}

/** Parses a JSON frame payload into an object, or throws TransferError('protocol'). */
export function parseJson<T>(payload: Buffer, what: string): T {
  try {
    const value: unknown = JSON.parse(payload.toString('utf8'));
    if (value !== null && typeof value === 'object') return value as T;
  } catch {
    // fall through
  }
  throw new TransferError('protocol', `The peer sent a malformed ${what} frame.`);
}

function peerError(payload: Buffer): TransferError {
  let code: unknown;
  let message: unknown;
  try {
    ({ code, message } = JSON.parse(payload.toString('utf8')) as Partial<ErrorPayload>);
  } catch {
    // an unreadable ERROR is still an error
  }
  const text = typeof message === 'string' ? displayName(message.slice(0, 200)).slice(1, -1) : 'no details';
  const known = isTransferErrorCode(code) ? code : 'peer_error';
  return new TransferError(known, `The peer stopped the transfer: ${text}`, true);
}

/** Maps framing and stream failures to TransferError codes. */
export function fromProtocolError(err: unknown): TransferError {
  if (err instanceof TransferError) return err;
  if (!(err instanceof ProtocolError)) return new TransferError('io', String((err as Error)?.message ?? err), false, { cause: err });
  switch (err.code) {
    case 'closed':
    case 'truncated_frame':
      return new TransferError('peer_closed', 'The peer closed the connection before the transfer finished.');
    case 'timeout':
      return new TransferError('timeout', err.message);
    case 'stream_error':
      return isTlsError(err.cause)
        ? new TransferError('tls', `The secure link failed: ${(err.cause as Error).message}`, false, { cause: err.cause })
        : new TransferError('peer_closed', err.message, false, { cause: err.cause });
    default:
      return new TransferError('protocol', err.message, false, { cause: err });
  }
}

function isTlsError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  const message = (err as Error | undefined)?.message ?? '';
  return code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /alert|certificate|SSL/i.test(message);
}
