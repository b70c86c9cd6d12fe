/**
 * Issue 14: a RESULT lost with the link. The sender handed its TRAILER to the link, and the link dropped
 * before the receiver's RESULT came back. The receiver may well have verified, kept the files and reported
 * so; it will not come back to the link, and a sender that kept reconnecting would end the session `failed`
 * although the files arrived intact.
 *
 * So the sender remembers the summary it signed in that TRAILER (a new link's HELLO forgets it: that link
 * runs the transfer again and signs anew) and, while its link is lost, asks the server: an open session
 * whose receiver reported is one whose receiver verified (a failure report closes the session at once), and
 * the receiver verified exactly the file list this summary holds (the TRAILER's signature covers it). The
 * sender then stops reconnecting and reports its own success with that summary; the server still compares
 * both reports (`completed` only if they agree). A receiver that did not report (killed, still checking) is
 * never taken for one that did: the sender reconnects as before.
 */
import type { ApiClient } from '../api/api-client';
import type { SessionView } from '../api/types';
import type { TransferSummary } from '../transfer/types';
import { isOpenState } from './session-watch';

/** A side that does not reconnect waits this long for the receiver's report after losing the link past its TRAILER. */
export const RESULT_GRACE_MS = 5_000;
const POLL_MS = 500;

export class SignedTrailer {
  private summary?: TransferSummary;

  /** The TRAILER signing `summary` went to the link. */
  remember(summary: TransferSummary): void {
    this.summary = summary;
  }

  /** A new link exchanged HELLOs: what an earlier link signed no longer stands for this transfer. */
  forget(): void {
    this.summary = undefined;
  }

  /** Whether a TRAILER of the current link went out (only then can the receiver have verified without us hearing it). */
  get pending(): boolean {
    return this.summary !== undefined;
  }

  /** The signed summary, if `session` shows the receiver reported while the session is still open (so it verified). */
  acceptedIn(session: SessionView): TransferSummary | undefined {
    if (!this.summary || !isOpenState(session.state) || !session.reported.receiver) return undefined;
    return this.summary;
  }

  /**
   * Reads the session: the signed summary if the receiver verified; undefined if not (or the server did not
   * answer). `graceMs`: how long to keep looking (every POLL_MS) for a receiver still checking or reporting —
   * for a side that will not reconnect (`--retry-for 0`); a reconnecting side looks again as it polls.
   */
  async check(api: ApiClient, id: string, graceMs = 0): Promise<TransferSummary | undefined> {
    if (!this.summary) return undefined;
    const deadline = Date.now() + graceMs;
    for (;;) {
      const session = await api.getSession(id).catch(() => undefined);
      const verified = session && this.acceptedIn(session);
      if (verified || (session && !isOpenState(session.state)) || Date.now() + POLL_MS > deadline) return verified;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
