/** Errors of the peer handshake, each with a stable code. */
export type HandshakeErrorCode =
  | 'bad_hello' // HELLO payload malformed
  | 'version' // the peer speaks another protocol version
  | 'wrong_peer' // HELLO from an unexpected user or role
  | 'signature' // HELLO signature does not verify with the peer's identity key
  | 'weak_key'; // the peer's X25519 key yields an all-zero shared secret

export class HandshakeError extends Error {
  constructor(
    readonly code: HandshakeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HandshakeError';
  }
}
