/**
 * Limits of the sessions API that both sides must agree on. No imports: the client reads these too
 * (client/src/api/api-client.ts), without pulling in the server.
 */

/** A peer's PEM certificate may be at most this many bytes. */
export const MAX_CERTIFICATE_BYTES = 4096;

/** A long-poll (`GET /sessions/:id/wait`) answers after this many seconds at the latest, unless asked otherwise. */
export const DEFAULT_WAIT_SECONDS = 25;
/** The longest long-poll a client may ask for. */
export const MAX_WAIT_SECONDS = 60;
