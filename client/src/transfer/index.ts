/** Public API of the transfer core, used by the CLI commands. */
export { sendFiles } from './sender';
export { receiveFiles, type ReceiveOptions } from './receiver';
export { TransferError, TRANSFER_ERROR_CODES, type TransferErrorCode } from './errors';
export type { FileSummary, PhraseConfirmer, TransferContext, TransferEvents, TransferParty, TransferSummary } from './types';
export { CHUNK_SIZE } from './chunk-cipher';
export { collectFiles, type ManifestEntry, type TransferEntry } from './manifest';
export { cleanStalePartials, discardPartial, type StalePartials } from './resume-state';
