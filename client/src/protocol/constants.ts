/**
 * Wire constants of the sft peer protocol (see docs/protocol.md).
 * A frame is: type (u8) | payload length (u32, big-endian) | payload.
 */

/**
 * Protocol version carried in HELLO; peers with another version are refused.
 * 2: file chunks of 1 MiB (version 1 had 256 KiB); nothing else changed.
 * 3: resume (HAVE / DIGESTS / RESUME after the MANIFEST, whose entries gain `mtime`).
 */
export const PROTOCOL_VERSION = 3;

/** Bytes in a frame header: 1 type byte + 4 length bytes. */
export const HEADER_SIZE = 5;

/** Largest payload any frame may carry (1 MiB + a GCM tag). Checked before allocating. */
export const MAX_PAYLOAD = 1024 * 1024 + 16;

/** Frame types. All payloads are UTF-8 JSON except CHUNK, which is ciphertext || GCM tag. */
export enum FrameType {
  Hello = 1,
  Manifest = 2,
  Chunk = 3,
  FileEnd = 4,
  Trailer = 5,
  Result = 6,
  Error = 7,
  /** Receiver → sender after MANIFEST: the partial files it holds from an earlier attempt (version 3). */
  Have = 8,
  /** Sender → receiver: signed per-chunk SHA-256 of the claimed prefixes (version 3). */
  Digests = 9,
  /** Receiver → sender: the chunk each claimed file continues from (version 3). */
  Resume = 10,
}

/** True when `value` is one of the known frame type bytes. */
export function isFrameType(value: number): value is FrameType {
  return value >= FrameType.Hello && value <= FrameType.Resume;
}
