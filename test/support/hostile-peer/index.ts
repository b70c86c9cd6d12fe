/**
 * The hostile-peer toolkit: parties and contexts, in-memory links, a hostile sender and receiver that
 * complete the real handshake and then lie (in process, or against the real CLI through ./e2e), hostile
 * network pieces and exact file-system snapshots.
 */
export * from './fs-snapshot';
export * from './hostile-receiver';
export * from './hostile-sender';
export * from './parties';
export * from './streams';
