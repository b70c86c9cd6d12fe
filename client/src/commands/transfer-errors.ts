/** Exit codes for the transfer engineer's errors (TransferError, HandshakeError), via their helper. */
import { HandshakeError } from '../crypto/errors';
import { ExitCode } from '../errors';
import { exitCodeForTransferError, TransferError } from '../transfer/errors';

export interface TransferFailure {
  code: ExitCode;
  message: string;
  hint?: string;
}

const HINTS: Partial<Record<ExitCode, string>> = {
  [ExitCode.Integrity]: 'Nothing was kept. Ask the sender to send again; if it repeats, the link or a peer is tampered with.',
  [ExitCode.Unreachable]: 'Check that the peer can reach the advertised address (see --listen / --advertise) and try a new session.',
};

/** The exit code and message for a transfer or handshake error; undefined for other errors. */
export function classifyTransferError(error: unknown): TransferFailure | undefined {
  if (error instanceof TransferError) {
    const code = exitCodeForTransferError(error) as ExitCode;
    const hint =
      error.code === 'exists'
        ? 'Pass --overwrite to replace it, or choose another --out directory.'
        : error.code === 'verification'
          ? 'No file byte was sent and nothing was kept. Compare identity fingerprints with the peer out of band (`sft whoami`) before trying again.'
          : HINTS[code];
    return { code, message: `Transfer failed: ${error.message}`, hint };
  }
  if (error instanceof HandshakeError) {
    const code = error.code === 'version' || error.code === 'bad_hello' ? ExitCode.Failure : ExitCode.Integrity;
    return { code, message: `Peer handshake failed: ${error.message}`, hint: HINTS[code] };
  }
  return undefined;
}
