/**
 * The one error type sendFiles/receiveFiles reject with, each with a stable code. The codes also travel
 * in ERROR frames between peers. What a code means to the CLI (its exit code) is exit-mapping.ts's business.
 */

export const TRANSFER_ERROR_CODES = [
  'integrity', // a chunk failed GCM, a CRC32/SHA-256 mismatched, or sizes/chunk order were wrong
  'signature', // a HELLO or the trailer signature failed with the sender's identity key
  'verification', // a user (--verify) said the verification phrases do not match
  'protocol', // the peer broke the framing or the message order
  'version', // the peer speaks another protocol version
  'unsafe_name', // a received file name is unsafe or collides with another
  'exists', // a target file exists and overwrite was not set
  'no_space', // not enough free space in the output directory
  'peer_closed', // the connection ended before the transfer finished
  'timeout', // the peer went silent for too long
  'peer_error', // the peer reported an error we have no code for
  'tls', // the TLS link failed (wrong certificate, handshake refused)
  'io', // reading or writing local files failed
] as const;

export type TransferErrorCode = (typeof TRANSFER_ERROR_CODES)[number];

export class TransferError extends Error {
  constructor(
    readonly code: TransferErrorCode,
    message: string,
    /** True when the peer reported this error (an ERROR frame) rather than us detecting it. */
    readonly remote = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransferError';
  }
}

export function isTransferErrorCode(value: unknown): value is TransferErrorCode {
  return typeof value === 'string' && (TRANSFER_ERROR_CODES as readonly string[]).includes(value);
}
