/** The direct TLS 1.3 link between the two peers, each pinned to the other's ephemeral certificate. */
export { dialPeer, DEFAULT_DIAL_TIMEOUT_MS, type DialOptions } from './dial';
export { listenForPeer, MAX_PENDING, DEFAULT_HANDSHAKE_TIMEOUT_MS, type ListenOptions } from './listen';
export { PeerLinkError, type PeerLinkErrorCode } from './errors';
export type { PeerCertificate, PeerListener } from './types';
