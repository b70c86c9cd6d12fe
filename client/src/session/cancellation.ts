/** Ctrl-C and stopping a transfer in flight: how one side of a transfer ends early and cleans up. */
import type { Duplex } from 'node:stream';
import { ExitCode, ExitError } from '../errors';

/** Races `work` against Ctrl-C: on abort, runs `onAbort` (best effort) and throws exit 6. */
export async function abortable<T>(signal: AbortSignal | undefined, work: Promise<T>, onAbort: () => Promise<unknown>): Promise<T> {
  if (!signal) return work;
  let listener: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    listener = () => {
      void onAbort()
        .catch(() => undefined)
        .then(() => reject(new ExitError(ExitCode.Closed, 'Cancelled (Ctrl-C); the session was cancelled on the server.')));
    };
    if (signal.aborted) listener();
    else signal.addEventListener('abort', listener, { once: true });
  });
  aborted.catch(() => undefined);
  // Once Ctrl-C was pressed, the work failing (we drop its connection) is part of cancelling: report exit 6.
  const guarded = work.catch((error: unknown) => (signal.aborted ? aborted : Promise.reject(error)));
  try {
    return await Promise.race([guarded, aborted]);
  } finally {
    if (listener) signal.removeEventListener('abort', listener);
  }
}

/** Upper bound on waiting for a stopped transfer to remove its temporary files. */
const STOP_GRACE_MS = 3_000;

/** The transfer in flight, so Ctrl-C or a closed session can stop it and let it clean up. */
export class ActiveTransfer {
  socket?: Duplex;
  work?: Promise<unknown>;
  /** Aborted by stop(): no reconnect after this, a backoff or a reconnect try ends at once. */
  readonly stopping = new AbortController();

  /** Drops the connection and waits (a little) for the transfer to discard its temporary files. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.socket?.destroy();
    if (!this.work) return;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, STOP_GRACE_MS);
      timer.unref();
    });
    await Promise.race([this.work.catch(() => undefined), grace]);
    clearTimeout(timer);
  }
}
