/** The session's state on the server while our side runs: closed sessions end the transfer (exit 6). */
import type { ApiClient } from '../api/api-client';
import type { SessionView } from '../api/types';
import { ExitCode, ExitError } from '../errors';

export interface SessionWatch {
  /** Never resolves; rejects with exit 6 as soon as the server says the session closed. */
  closed: Promise<never>;
  stop(): void;
}

/**
 * Watches a joined session in the background (long-polls), so a peer that gives up or fails
 * ends our side at once instead of after a network timeout. Server hiccups just stop the watch.
 */
export function watchSession(api: ApiClient, id: string): SessionWatch {
  const controller = new AbortController();
  const closed = new Promise<never>((_, reject) => {
    void (async () => {
      while (!controller.signal.aborted) {
        const session = await api.waitSession(id, 'joined', undefined, controller.signal).catch(() => undefined);
        if (!session || controller.signal.aborted) return;
        if (session.state !== 'joined') return reject(closedError(session));
      }
    })();
  });
  closed.catch(() => undefined);
  return { closed, stop: () => controller.abort() };
}

/** Runs `work` while watching the session; if the session closes first, runs `onClosed` and throws exit 6. */
export async function whileSessionOpen<T>(api: ApiClient, id: string, work: Promise<T>, onClosed: () => Promise<void>): Promise<T> {
  const watch = watchSession(api, id);
  work.catch(() => undefined);
  let closedFirst = false;
  try {
    return await Promise.race([work, watch.closed.catch((error: unknown) => { closedFirst = true; throw error; })]);
  } finally {
    watch.stop();
    if (closedFirst) await onClosed();
  }
}

/** Throws exit 6 when the session is closed (expired, cancelled, failed, completed). */
export function assertOpen(session: SessionView): void {
  if (session.state === 'waiting' || session.state === 'joined') return;
  throw closedError(session);
}

/** True for the error that says the session is closed (nothing more to tell the server). */
export function isSessionClosed(error: unknown): boolean {
  return error instanceof ExitError && error.exitCode === ExitCode.Closed;
}

function closedError(session: SessionView): ExitError {
  const why = session.reason ? ` (${session.reason})` : '';
  return new ExitError(ExitCode.Closed, `Session ${session.id} is ${session.state}${why}.`, 'Start a new session with `sft host-session`.');
}
