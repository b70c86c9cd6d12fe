/**
 * Uploads a delivery's ciphertext part by part, in order, each part a request of its own. A part whose
 * request fails for a passing reason (server unreachable or restarting, 5xx other than 507) is sent again
 * after a pause, for up to `retryForMs`: the server answers a part it already stored as done, so a lost
 * answer costs nothing, and after a restart it expects exactly the part it has not stored yet. A rerun of
 * `sft send` after the process died starts at `firstPart`, the parts the server reports (pending-upload.ts).
 */
import type { ApiClient } from '../api/api-client';
import { ApiError, ServerUnreachableError } from '../api/api-error';

export interface UploadOptions {
  /** Parts the server already has (a resumed upload): they are produced (to keep the sealing in step) but not sent. */
  firstPart?: number;
  /** How long to keep retrying one part (default 5 minutes). */
  retryForMs?: number;
  /** Called before a retry, with the reason. */
  onRetry?: (reason: string, index: number) => void;
  signal?: AbortSignal;
}

const FIRST_PAUSE_MS = 250;
const LONGEST_PAUSE_MS = 5000;

export async function uploadParts(api: ApiClient, deliveryId: string, parts: AsyncIterable<Buffer>, opts: UploadOptions = {}): Promise<number> {
  let index = 0;
  for await (const part of parts) {
    if (opts.signal?.aborted) throw new UploadInterrupted();
    if (index >= (opts.firstPart ?? 0)) await uploadOne(api, deliveryId, index, part, opts);
    index++;
  }
  return index;
}

async function uploadOne(api: ApiClient, deliveryId: string, index: number, part: Buffer, opts: UploadOptions): Promise<void> {
  const deadline = Date.now() + (opts.retryForMs ?? 300_000);
  let pause = FIRST_PAUSE_MS;
  for (;;) {
    try {
      await api.putDeliveryPart(deliveryId, index, part);
      return;
    } catch (error) {
      if (!isPassing(error) || Date.now() + pause > deadline || opts.signal?.aborted) throw error;
      opts.onRetry?.((error as Error).message, index);
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
    }
  }
}

/** Ctrl-C between two parts. */
export class UploadInterrupted extends Error {
  constructor() {
    super('The upload was interrupted.');
    this.name = 'UploadInterrupted';
  }
}

/** Worth retrying: the server is away or restarting, or answered a 5xx that is not "no room". */
export function isPassing(error: unknown): boolean {
  if (error instanceof ServerUnreachableError) return true;
  return error instanceof ApiError && error.status >= 500 && error.status !== 507;
}
