/** How `sft join` meets its peer: it joins the session by id; the host is already in. */
import { ExitCode, ExitError, usageError } from '../errors';
import { isRunning } from '../state/transfer-records';
import { hostPort } from '../session/direct-link';
import type { Meeting, OpenedSession, Rendezvous, RendezvousContext } from '../session/runner';
import { assertOpen } from '../session/session-watch';

export class JoinById implements Rendezvous {
  private hostSigningKey = '';

  constructor(
    private readonly id: string,
    /** FILEs were given: only right when the host receives. */
    private readonly hasFiles: boolean,
  ) {}

  async open({ api, own, deps }: RendezvousContext): Promise<OpenedSession> {
    // Joining again with a new certificate takes the session over (a rerun resumes): not while we still run it.
    const running = await deps.state.transfers.get(this.id).catch(() => undefined);
    if (running && isRunning(running)) {
      throw new ExitError(ExitCode.Failure, `Session ${this.id} is still being transferred by process ${running.pid}.`, 'Wait for it to end, or stop it first; then run the same command again to resume.');
    }
    const answer = await api.joinSession(this.id, own.certPem);
    this.hostSigningKey = answer.hostSigningKey;
    return answer;
  }

  async meet({ session }: OpenedSession): Promise<Meeting> {
    assertOpen(session);
    const hostReceives = session.direction === 'host-receives';
    if (hostReceives && !this.hasFiles) throw usageError(`${session.host} wants to receive: give the FILEs to send.`, `Usage: sft join ${session.id} FILE...`);
    if (!hostReceives && this.hasFiles) throw usageError(`${session.host} is sending; this session takes no FILEs from you.`, `Usage: sft join ${session.id} [--out DIR]`);
    const { host, endpoint } = session;
    return {
      session,
      role: hostReceives ? 'sender' : 'receiver',
      peer: host,
      peerCertificatePem: session.hostCertificate,
      peerFingerprint: session.hostFingerprint,
      peerSigningKey: () => Promise.resolve(this.hostSigningKey),
      announce: {
        data: { id: session.id, peer: host, direction: session.direction },
        text: `Joined ${host}'s session; connecting ${endpoint ? `to ${hostPort(endpoint.host, endpoint.port)}` : 'through the relay'}`,
      },
    };
  }

  /** Only a usage error (FILEs that do not fit the session's direction) comes before the meeting. */
  abandonReason(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
  }
}
