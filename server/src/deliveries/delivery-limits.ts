/**
 * Limits of stored deliveries that the client needs too (it imports this file; keep it free of imports).
 * The ciphertext is uploaded in parts of PART_BYTES (the last one shorter), by index, one request each.
 */
export const PART_BYTES = 1024 * 1024;
/** Most files one delivery may carry (as a live session). */
export const MAX_DELIVERY_FILES = 1000;
