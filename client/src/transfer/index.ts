/** Public API of the transfer core, used by the CLI commands. */
import type { TLSSocket } from 'node:tls';
export { sendFiles } from './sender';
export { receiveFiles, type ReceiveOptions } from './receiver';
export {
  TransferError,
  TRANSFER_ERROR_CODES,
  exitCodeForTransferError,
  isIntegrityFailure,
  isPeerUnreachable,
  type TransferErrorCode,
} from './errors';
export type { FileSummary, PhraseConfirmer, TransferContext, TransferEvents, TransferParty, TransferSummary } from './types';
export { CHUNK_SIZE } from './chunk-cipher';
export { collectFiles, type ManifestEntry } from './manifest';
/** sendFiles/receiveFiles take any Duplex; a TLSSocket from dialPeer/listenForPeer is the normal case. */
export type PeerSocket = TLSSocket;
