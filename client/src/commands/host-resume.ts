/**
 * How `sft host-session`, run again after a crash, meets its peer (issue 14): when SFT_HOME records a
 * transfer of this same command (server, host, direction, files or --out, --to) whose session is still
 * open (joined or interrupted), the host rejoins it with its new certificate and endpoint instead of
 * opening a new session; the joiner, still reconnecting, finds it there. Otherwise it opens one as usual.
 */
import type { Advertised } from '../session/connector';
import { ApiError } from '../api/api-error';
import type { SessionView } from '../api/types';
import type { Meeting, OpenedSession, Rendezvous, RendezvousContext } from '../session/runner';
import { assertOpen } from '../session/session-watch';
import { serverKey } from '../state/home';
import { isRunning, type TransferRecord } from '../state/transfer-records';
import type { OpenAndWait } from './host-rendezvous';

/** What the command was asked to do, to compare with the records. */
export interface HostRun {
  role: 'sender' | 'receiver';
  /** Absolute source paths (sender). */
  files: string[];
  /** Absolute output directory (receiver). */
  outDir: string;
  /** --to, if given: the recorded peer must be this user. */
  invitee?: string;
}

export class ResumeOrOpen implements Rendezvous {
  /** The session rejoined, or undefined when a new one was opened. */
  private resumed?: SessionView;

  constructor(
    private readonly run: HostRun,
    private readonly fresh: OpenAndWait,
  ) {}

  async open(ctx: RendezvousContext): Promise<OpenedSession> {
    const record = await this.findOpen(ctx);
    if (!record) return this.fresh.open(ctx);
    const { api, deps, own, advertised } = ctx;
    const answer = await api.rejoinSession(record.sessionId, { certificate: own.certPem, ...where(advertised) });
    const { session } = answer;
    this.resumed = session;
    deps.reporter.result('session', { id: session.id, expiresAt: session.expiresAt, resumed: true }, session.id);
    deps.reporter.step('resuming', { id: session.id, state: session.state, attempt: session.attempt }, `Resuming session ${session.id} (${session.state})`);
    return answer;
  }

  async meet(opened: OpenedSession, ctx: RendezvousContext): Promise<Meeting> {
    if (!this.resumed) return this.fresh.meet(opened, ctx);
    const { session } = opened;
    assertOpen(session);
    const joiner = session.joiner ?? '';
    return {
      session,
      role: this.run.role,
      peer: joiner,
      peerCertificatePem: session.joinerCertificate,
      peerFingerprint: session.joinerFingerprint,
      peerSigningKey: async () => (await ctx.api.getSigningKey(joiner)).publicKey,
      announce: { data: { id: session.id, peer: joiner, resumed: true }, text: `${joiner} is in the session; reconnecting` },
    };
  }

  abandonReason(): string {
    return this.fresh.abandonReason();
  }

  /** The newest record of this same command whose session is still open; records of closed sessions are removed. */
  private async findOpen({ api, deps }: RendezvousContext): Promise<TransferRecord | undefined> {
    const records = (await deps.state.transfers.list()).filter((record) => this.matches(record, serverKey(api.serverUrl))).reverse();
    for (const record of records) {
      if (isRunning(record)) continue; // the same command still runs elsewhere: this one opens its own session
      let session: SessionView;
      try {
        session = await api.getSession(record.sessionId);
      } catch (error) {
        if (error instanceof ApiError && (error.code === 'session_not_found' || error.code === 'session_closed')) {
          await deps.state.transfers.remove(record.sessionId);
          continue;
        }
        throw error;
      }
      if (session.state === 'joined' || session.state === 'interrupted') return record;
      await deps.state.transfers.remove(record.sessionId);
    }
    return undefined;
  }

  private matches(record: TransferRecord, server: string): boolean {
    const { role, files, outDir, invitee } = this.run;
    if (record.serverUrl !== server || record.party !== 'host' || record.role !== role) return false;
    if (invitee && record.peer.toLowerCase() !== invitee.toLowerCase()) return false;
    if (role === 'receiver') return record.outDir === outDir;
    return Array.isArray(record.files) && record.files.length === files.length && record.files.every((file, i) => file === files[i]);
  }
}

/** Our new endpoint and candidates, when we listen directly. */
function where(advertised: Advertised | undefined): { endpoint?: Advertised['endpoint']; candidates?: Advertised['candidates'] } {
  if (!advertised) return {};
  return { endpoint: advertised.endpoint, ...(advertised.candidates.length ? { candidates: advertised.candidates } : {}) };
}
