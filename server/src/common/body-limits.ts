/** Largest request body (express `json({ limit })` syntax), and its size in words for messages. */
export const BODY_LIMIT = '64kb';
export const BODY_LIMIT_TEXT = '64 KiB';
/** Largest body for creating or reporting on a session or announcing a delivery, which list up to 1,000 files. */
export const SESSION_BODY_LIMIT = '2mb';
export const SESSION_BODY_LIMIT_TEXT = '2 MiB';
/** The routes that take the larger limit: POST /sessions, POST /sessions/:id/report and POST /deliveries. */
export const SESSION_BODY_ROUTES = /^\/(sessions(\/[^/]+\/report)?|deliveries)$/;
