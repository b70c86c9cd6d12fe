/** The session's state on the server while our side runs: closed sessions end the transfer (exit 6). */
import type { ApiClient } from '../api/api-client';
import type { SessionView } from '../api/types';
import { ExitCode, ExitError } from '../errors';

/**
 * When the peer reported a failure (the session closed `failed`), how long our own transfer may take to
 * end by itself: its link usually broke too (a relay or network that died under both sides), and its own
 * error (exit 5) says more than "the session is failed" (exit 6). A receiver may first have to drain what
 * its buffers still hold before it sees the end of the stream.
 */
export const PEER_FAILED_GRACE_MS = 5_000;

export interface SessionWatch {
  /** Never resolves; rejects with exit 6 (a SessionClosedError) as soon as the server says the session closed. */
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
      // joined <-> interrupted while the link drops and comes back (issue 14): both are open.
      let state: SessionView['state'] = 'joined';
      while (!controller.signal.aborted) {
        const session: SessionView | undefined = await api.waitSession(id, state, undefined, controller.signal).catch(() => undefined);
        if (!session || controller.signal.aborted) return;
        if (!isOpenState(session.state)) return reject(new SessionClosedError(session));
        state = session.state;
      }
    })();
  });
  closed.catch(() => undefined);
  return { closed, stop: () => controller.abort() };
}

/**
 * Runs `work` while watching the session; if the session closes first, runs `onClosed` and throws exit 6.
 * When it closed `failed` (the peer reported a failure), `work` first gets PEER_FAILED_GRACE_MS to end by
 * itself, and its own outcome wins if it does.
 */
export async function whileSessionOpen<T>(api: ApiClient, id: string, work: Promise<T>, onClosed: () => Promise<void>): Promise<T> {
  const watch = watchSession(api, id);
  work.catch(() => undefined);
  let closedFirst = false;
  try {
    return await Promise.race([work, watch.closed.catch((error: unknown) => afterClose(error, work, () => (closedFirst = true)))]);
  } finally {
    watch.stop();
    if (closedFirst) await onClosed();
  }
}

/** The session closed while `work` ran: `work`'s own outcome if the peer failed and it ends within the grace, else exit 6. */
async function afterClose<T>(error: unknown, work: Promise<T>, closedFirst: () => void): Promise<T> {
  if (error instanceof SessionClosedError && error.state === 'failed') {
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'grace'>((resolve) => (timer = setTimeout(() => resolve('grace'), PEER_FAILED_GRACE_MS)));
    try {
      const settled = await Promise.race([work.then(() => 'work' as const, () => 'work' as const), grace]);
      if (settled === 'work') return work;
    } finally {
      clearTimeout(timer);
    }
  }
  closedFirst();
  throw error;
}

/** Waiting, joined, or interrupted (the link dropped and may come back): the session is not closed. */
export function isOpenState(state: SessionView['state']): boolean {
  return state === 'waiting' || state === 'joined' || state === 'interrupted';
}

/** Throws exit 6 when the session is closed (expired, cancelled, failed, completed). */
export function assertOpen(session: SessionView): void {
  if (isOpenState(session.state)) return;
  throw closedError(session);
}

/** True for the error that says the session is closed (nothing more to tell the server). */
export function isSessionClosed(error: unknown): boolean {
  return error instanceof ExitError && error.exitCode === ExitCode.Closed;
}

function closedError(session: SessionView): ExitError {
  return new SessionClosedError(session);
}

/** Exit 6: the session is closed; `state` says how. */
class SessionClosedError extends ExitError {
  readonly state: SessionView['state'];

  constructor(session: SessionView) {
    const why = session.reason ? ` (${session.reason})` : '';
    super(ExitCode.Closed, `Session ${session.id} is ${session.state}${why}.`, 'Start a new session with `sft host-session`.');
    this.state = session.state;
  }
}
