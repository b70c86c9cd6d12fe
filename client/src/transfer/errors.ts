/** The one error type sendFiles/receiveFiles/dialPeer/listenForPeer reject with, each with a stable code. */

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
  'unreachable', // the peer could not be reached (connection refused, retries exhausted)
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

/** True for codes that mean "integrity, signature or phrase check failed, nothing was kept" (CLI exit 4). */
export function isIntegrityFailure(code: TransferErrorCode): boolean {
  return code === 'integrity' || code === 'signature' || code === 'protocol' || code === 'verification';
}

/** True for codes that mean "the peer could not be reached or went away" (CLI exit 5). */
export function isPeerUnreachable(code: TransferErrorCode): boolean {
  return code === 'unreachable' || code === 'peer_closed' || code === 'timeout' || code === 'tls';
}

/** The CLI exit code for a transfer error: 4 integrity/signature, 5 peer unreachable, 1 otherwise. */
export function exitCodeForTransferError(err: TransferError): 1 | 4 | 5 {
  if (isIntegrityFailure(err.code)) return 4;
  if (isPeerUnreachable(err.code)) return 5;
  return 1;
}

export function isTransferErrorCode(value: unknown): value is TransferErrorCode {
  return typeof value === 'string' && (TRANSFER_ERROR_CODES as readonly string[]).includes(value);
}
