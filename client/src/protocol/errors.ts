/** Errors raised while decoding frames, each with a stable code. */
export type ProtocolErrorCode =
  | 'frame_too_large' // a header announced a payload over MAX_PAYLOAD
  | 'unknown_frame_type' // a header carried a type byte we do not know
  | 'truncated_frame' // the stream ended inside a frame
  | 'bad_payload' // a JSON payload did not parse or had the wrong shape
  | 'unexpected_frame' // a valid frame arrived where the protocol does not allow it
  | 'closed' // the connection ended between frames while a frame was awaited
  | 'timeout' // no frame arrived within the allowed time
  | 'stream_error'; // the underlying stream failed (see `cause`)

export class ProtocolError extends Error {
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProtocolError';
  }
}
