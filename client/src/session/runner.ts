/**
 * One side of a transfer, from login to the report: the one flow behind `sft host-session` and
 * `sft join`, one object per run with a method per step. A command describes its side as a
 * TransferSide and calls runTransferSession once. The steps:
 *
 *   prepare   the Connector gets ready before the session exists (the host binds its port)
 *   open      the Rendezvous opens (host) or joins (joiner) the session on the server
 *   meet      the Rendezvous waits until the peer is in and says who they are and which way files go
 *   check     the peer's certificate against the server's fingerprint, its identity key against our pin
 *   record    the transfer goes into SFT_HOME/transfers/<id>.json, so the same command run again after
 *             a crash finds the session to resume (removed at the end, success or failure)
 *   connect   the Connector obtains the pinned TLS link (connector.ts)
 *   transfer  send or receive over the link while watching the session (a closed session: exit 6)
 *   resume    around connect + transfer (issue 14): once a link carried a HELLO, a lost link marks the
 *             session interrupted and connects again while `--retry-for` lasts (reconnect.ts); each new
 *             link resumes from what the receiver kept and proves. Window over: exit 5, nothing kept. A sender
 *             whose link dropped after its TRAILER finishes without a link once the server shows the receiver
 *             verified (result-lost.ts).
 *   report    print the verified outcome and deliver the report (retried while the server is away)
 *
 * Around them, once: Ctrl-C closes the connector, stops the transfer and cancels the session
 * (exit 6); a failure before the peer is in abandons the session (cancel), after it reports the
 * transfer failed (a receiver first removes what it kept for a resume); the connector is closed in
 * every case.
 * New paths plug in without copying this flow: a relay or racing link is another Connector,
 * offline delivery or rejoining a recorded session another Rendezvous, resume a step around `transfer`.
 */
import { makeEphemeralCert, type KeyAndCert } from '../../../certs/src/x509';
import type { ApiClient } from '../api/api-client';
import { ApiError } from '../api/api-error';
import type { SessionView } from '../api/types';
import { requireIdentity, requireLogin } from '../commands/connection';
import type { Deps, GlobalOptions } from '../commands/deps';
import { checkPeerPin } from '../commands/identity-keys';
import type { Role } from '../crypto/handshake';
import type { PeerCertificate } from '../peer/types';
import { serverKey } from '../state/home';
import { cleanStalePartials, discardPartial } from '../transfer/resume-state';
import type { PhraseConfirmer, TransferSummary } from '../transfer/types';
import { abortable, ActiveTransfer } from './cancellation';
import { describePath, type Advertised, type Connector, type LinkPath, type PeerLink } from './connector';
import type { RunShown } from './output';
import { checkCertificate, peerCertificateOf } from './peer-check';
import { formatSeconds, gaveUp, isLinkLoss, isRetryable, lossReason, PEER_POLL_MS, ReconnectWindow } from './reconnect';
import { ReportNotDelivered, reportFailure, reportSuccess } from './report';
import { RESULT_GRACE_MS, SignedTrailer } from './result-lost';
import { assertOpen, isOpenState, isSessionClosed, whileSessionOpen } from './session-watch';
import { runTransfer, transferContext, type SideFiles } from './transfer-step';

export { sideFiles, type SideFiles } from './transfer-step';

/** The host opened the session; the joiner joined it. */
export type Party = 'host' | 'joiner';

/** One side of a transfer, as a command describes it. */
export interface TransferSide {
  party: Party;
  /** How we meet the peer through the server. */
  rendezvous: Rendezvous;
  /** How the TLS link to the peer is obtained. */
  connector: Connector;
  files: SideFiles;
  /** `--verify`: confirms the verification phrase with the user before any file byte moves. */
  confirmPhrase?: PhraseConfirmer;
  /** Who the peer is, for prompts: a placeholder until the server names them, then their username. */
  peer: { name: string };
  /** `--retry-for` in seconds: how long a lost link is reconnected (0: not at all). */
  retryForSeconds: number;
}

/** Partial files of other sessions older than this are removed before receiving into the same directory. */
export const STALE_PARTIAL_MS = 24 * 60 * 60 * 1000;

/** A session as opened or joined: what the server answered. */
export interface OpenedSession {
  session: SessionView;
  /** Base64 of the 32-byte session key. Secret. */
  key: string;
}

/** The peer is in: who they are, what the server holds for them, and which way the files go. */
export interface Meeting {
  session: SessionView;
  /** Which way the files move for us: what we do over the link and report to the server. */
  role: Role;
  peer: string;
  /** The peer's TLS certificate and fingerprint as the server recorded them (checked next). */
  peerCertificatePem: string | null;
  peerFingerprint: string | null;
  /** The peer's identity public key, base64 (checked against our pin next). */
  peerSigningKey(): Promise<string>;
  /** The line printed once the peer is checked. */
  announce: { data: Record<string, unknown>; text: string };
}

export interface RendezvousContext {
  api: ApiClient;
  deps: Deps;
  own: KeyAndCert;
  /** What the connector advertises, if it accepts connections (Connector.prepare). */
  advertised?: Advertised;
}

/** How a side meets its peer through the server: the host opens a session and waits, the joiner joins it. */
export interface Rendezvous {
  open(ctx: RendezvousContext): Promise<OpenedSession>;
  /** Resolves once the peer is in; throws exit 6 if the session closed meanwhile. */
  meet(opened: OpenedSession, ctx: RendezvousContext): Promise<Meeting>;
  /** Why the session is cancelled when this side fails before meeting the peer. */
  abandonReason(error: unknown): string;
}

export async function runTransferSession(side: TransferSide, opts: GlobalOptions, deps: Deps): Promise<void> {
  const { connection, api, credentials } = await requireLogin(opts, deps);
  const me = credentials.username;
  const identity = await requireIdentity(deps, connection.serverUrl, me);
  const own = await makeEphemeralCert(`sft ${me}`);
  const self = { api, serverUrl: connection.serverUrl, ca: connection.ca, me, privateKeyPem: identity.privateKeyPem, own };
  await new SideRun(side, deps, self).run();
}

/** Who runs this side: the logged-in user, their identity key and this session's certificate. */
interface Self {
  api: ApiClient;
  serverUrl: string;
  /** The CA PEM trusted for the server and its relay. */
  ca?: string;
  me: string;
  /** PKCS#8 PEM of our identity key. Secret. */
  privateKeyPem: string;
  own: KeyAndCert;
}

/** The peer as checked: its pinned certificate and its identity key (base64). */
interface CheckedPeer {
  certificate: PeerCertificate;
  signingKey: string;
}

/** One run of one side: a method per step, and what Ctrl-C or a failure must know about the steps done. */
class SideRun {
  private readonly active = new ActiveTransfer();
  private readonly window: ReconnectWindow;
  private opening?: Promise<OpenedSession>;
  private session?: SessionView;
  private meeting?: Meeting;
  /** The path the link took, once connected (reported to the server). */
  private path?: LinkPath;
  /** The transfer record was written (SFT_HOME/transfers/<id>.json). */
  private recorded = false;
  /** File bytes this side moved over its links, every attempt together (reported). */
  private linkBytes = 0;
  /** `--verify`: the user confirmed the phrase on a link of this run. */
  private phraseConfirmed = false;
  /** Sender: the summary the current link's TRAILER signed, for a RESULT lost with the link (result-lost.ts). */
  private readonly trailer = new SignedTrailer();
  /** Links of this run that carried a HELLO exchange (each with its own verification phrase). */
  private links = 0;
  /** What this run printed already (the file listing and phrase once, whatever the number of links). */
  private readonly shown: RunShown = { listing: false, phrase: false };

  constructor(
    private readonly side: TransferSide,
    private readonly deps: Deps,
    private readonly self: Self,
  ) {
    this.window = new ReconnectWindow(side.retryForSeconds);
  }

  async run(): Promise<void> {
    const { api, own, serverUrl, ca } = this.self;
    const advertised = await this.side.connector.prepare({ own, serverUrl, ca });
    try {
      await abortable(this.deps.signal, this.steps({ api, deps: this.deps, own, advertised }), () => this.cancel());
    } catch (error) {
      await this.settleFailure(error);
      throw error;
    } finally {
      this.side.connector.close();
      if (this.recorded && this.session) await this.deps.state.transfers.remove(this.session.id).catch(() => undefined);
    }
  }

  private async steps(ctx: RendezvousContext): Promise<void> {
    const opened = await this.open(ctx);
    const meeting = await this.meet(opened, ctx);
    const peer = await this.check(meeting);
    await this.record(meeting);
    const outcome = await this.transfer(opened, meeting, peer);
    const { api } = this.self;
    await reportSuccess(this.deps, api, meeting.session.id, meeting.role, outcome, { path: this.path?.via, linkBytes: this.linkBytes, links: this.links });
  }

  private async open(ctx: RendezvousContext): Promise<OpenedSession> {
    this.opening = this.side.rendezvous.open(ctx);
    const opened = await this.opening;
    this.session = opened.session;
    return opened;
  }

  private async meet(opened: OpenedSession, ctx: RendezvousContext): Promise<Meeting> {
    const meeting = await this.side.rendezvous.meet(opened, ctx);
    this.meeting = meeting;
    this.session = meeting.session;
    this.side.peer.name = meeting.peer;
    return meeting;
  }

  /** The peer's certificate against the server's fingerprint, its identity key against our pin. */
  private async check(meeting: Meeting): Promise<CheckedPeer> {
    const certificate = checkCertificate(meeting.peerCertificatePem, meeting.peerFingerprint, meeting.peer);
    const signingKey = await meeting.peerSigningKey();
    await checkPeerPin(this.deps, this.self.serverUrl, this.self.me, meeting.peer, signingKey);
    this.deps.reporter.step('joined', meeting.announce.data, meeting.announce.text);
    return { certificate, signingKey };
  }

  /**
   * `--verify`: the user confirms the phrase once per run. After they did, a reconnect (its own phrase: a
   * fresh key exchange) is not asked again: it is bound to the same pinned identity keys, which both HELLOs
   * sign. A link lost before they confirmed asks again on the next.
   */
  private confirmer(): PhraseConfirmer | undefined {
    const { confirmPhrase } = this.side;
    if (!confirmPhrase || this.phraseConfirmed) return undefined;
    return async (phrase, signal) => {
      const same = await confirmPhrase(phrase, signal);
      if (same) this.phraseConfirmed = true;
      return same;
    };
  }

  /** The transfer into SFT_HOME, so the same command run again after a crash finds this session. */
  private async record(meeting: Meeting): Promise<void> {
    const { session, role, peer } = meeting;
    const { paths, outDir } = this.side.files;
    await this.deps.state.transfers.put({
      sessionId: session.id,
      serverUrl: serverKey(this.self.serverUrl),
      party: this.side.party,
      role,
      peer,
      ...(role === 'sender' ? { files: paths } : { outDir }),
      createdAt: new Date().toISOString(),
      pid: process.pid,
    });
    this.recorded = true;
  }

  /** Sends or receives (over as many links as it takes) while watching the session: if it closes first, the transfer stops (exit 6). */
  private async transfer(opened: OpenedSession, meeting: Meeting, peer: CheckedPeer): Promise<TransferSummary> {
    const { api } = this.self;
    const { session, role } = meeting;
    if (role === 'receiver') await this.removeLeftovers(session.id);
    const work = this.resume(opened, meeting, peer);
    this.active.work = work;
    return whileSessionOpen(api, session.id, work, () => this.active.stop());
  }

  /**
   * Links until the transfer is done: the first link, then, once a link carried a HELLO, new links
   * after each loss while the reconnect window lasts. A session found interrupted (a rerun, or the peer
   * restarted) makes the first link a reconnect already.
   */
  private async resume(opened: OpenedSession, meeting: Meeting, checked: CheckedPeer): Promise<TransferSummary> {
    const { api } = this.self;
    const { id } = meeting.session;
    let session = meeting.session;
    let peer = checked;
    let reconnecting = session.state === 'interrupted' || session.attempt > 0;
    let resumable = reconnecting;
    const stopping = this.active.stopping.signal;
    for (;;) {
      let lost: unknown;
      try {
        return await this.linkOnce(opened, meeting, session, peer, reconnecting, () => {
          resumable = true;
          this.window.reset();
        });
      } catch (error) {
        if (stopping.aborted) throw error;
        const verified = await this.trailer.check(api, id, this.window.enabled ? 0 : RESULT_GRACE_MS);
        if (verified) return this.resultLost(id, verified, error);
        const recoverable = reconnecting ? isRetryable(error) : isLinkLoss(error);
        if (!resumable || !recoverable || !this.window.enabled) throw error;
        lost = error;
      }
      if (!this.window.lost()) throw gaveUp(lost, this.window.seconds, meeting.role === 'receiver');
      reconnecting = true;
      // The link of this attempt (or a reconnect try of it) is gone: the server moves the session to the next attempt, once.
      await api.interruptSession(id, session.attempt, lossReason(lost)).catch(() => undefined);
      this.deps.reporter.step(
        'reconnecting',
        { id, attempt: this.window.tries, reason: lossReason(lost), secondsLeft: Math.ceil(this.window.remainingMs() / 1000) },
        `Connection lost (${lossReason(lost)}); reconnecting (attempt ${this.window.tries}, up to ${formatSeconds(this.window.remainingMs())} more)...`,
      );
      await this.window.backoff(stopping);
      if (stopping.aborted) throw lost;
      const fresh = await api.getSession(id).catch((error: unknown) => {
        if (isRetryable(error)) return undefined; // the server blinked: try the link as we know it
        throw error;
      });
      if (!fresh) continue;
      assertOpen(fresh);
      const verified = this.trailer.acceptedIn(fresh);
      if (verified) return this.resultLost(id, verified, lost);
      session = fresh;
      // The peer may have restarted with a new certificate: checked against the server's fingerprint as the
      // first time; its identity key is the one pinned and checked at the meeting (the HELLO signs with it).
      const certificate = peerCertificateOf(session, this.side.party);
      peer = { ...peer, certificate: checkCertificate(certificate.pem, certificate.fingerprint, meeting.peer) };
    }
  }

  /** The link dropped after our TRAILER, and the server shows the receiver verified: no link is needed to finish. */
  private resultLost(id: string, summary: TransferSummary, lost: unknown): TransferSummary {
    this.deps.reporter.step(
      'result-via-server',
      { id, reason: lossReason(lost) },
      `The connection was lost before the receiver's answer arrived (${lossReason(lost)}), but the receiver reported the files verified to the server.`,
    );
    return summary;
  }

  /** One link: connect, then send or receive over it. While reconnecting, a try is given up when the peer comes back as someone new or the window ends. */
  private async linkOnce(
    opened: OpenedSession, meeting: Meeting, session: SessionView, peer: CheckedPeer, reconnecting: boolean, onHello: () => void,
  ): Promise<TransferSummary> {
    const { api, me, privateKeyPem, own } = this.self;
    const { role } = meeting;
    const link = await this.connect(session, peer, reconnecting);
    const socket = (this.active.socket = link.socket);
    this.path = link.path;
    const address = link.path.via === 'direct' ? link.path.address : link.path.relay;
    this.deps.reporter.step('path', { id: session.id, path: link.path.via, address }, `Connected ${describePath(link.path)}`);
    const context = transferContext({
      sessionId: session.id,
      sessionKey: opened.key,
      me: { username: me, privateKeyPem, tlsFingerprint: own.fingerprint },
      peer: { username: meeting.peer, publicKey: peer.signingKey, tlsFingerprint: peer.certificate.fingerprint },
    });
    const moved = { bytes: 0 };
    try {
      const outcome = await runTransfer(socket, role, context, this.side.files, this.deps.reporter, {
        confirmPhrase: this.confirmer(),
        keepPartial: this.window.enabled,
        moved,
        resumed: reconnecting,
        verify: Boolean(this.side.confirmPhrase),
        shown: this.shown,
        onTrailer: (summary) => this.trailer.remember(summary),
        onHello: () => {
          this.links++;
          this.trailer.forget();
          onHello();
          if (reconnecting) void api.reconnectedSession(session.id, session.attempt).catch(() => undefined);
        },
      });
      this.linkBytes += outcome.linkBytes;
      return outcome;
    } catch (error) {
      this.linkBytes += moved.bytes;
      throw error;
    }
  }

  private async connect(session: SessionView, peer: CheckedPeer, reconnecting: boolean): Promise<PeerLink> {
    const { api, own } = this.self;
    const request = { api, session, own, peer: peer.certificate };
    if (!reconnecting) return this.side.connector.connect(request);
    const attempt = new AbortController();
    const stopWatching = this.watchWhileConnecting(session, peer.certificate.fingerprint, attempt);
    try {
      return await this.side.connector.connect({ ...request, signal: attempt.signal });
    } finally {
      stopWatching();
    }
  }

  /**
   * While a reconnect try runs: aborts it when the window ends, when we are stopped, or when the server
   * shows the peer with another certificate (it restarted: the next try uses the new one) or the session at
   * another attempt (the peer's try failed and moved on: a relay pairs only tickets of the same attempt).
   */
  private watchWhileConnecting(tried: SessionView, fingerprint: string, attempt: AbortController): () => void {
    const { id } = tried;
    const abort = () => attempt.abort();
    const stopping = this.active.stopping.signal;
    stopping.addEventListener('abort', abort, { once: true });
    const deadline = setTimeout(abort, this.window.remainingMs());
    const poll = setInterval(() => {
      void this.self.api.getSession(id).then((session) => {
        const moved = session.attempt !== tried.attempt || peerCertificateOf(session, this.side.party).fingerprint !== fingerprint;
        // The receiver verified what our last TRAILER signed: no link is needed any more (result-lost.ts).
        if (moved || !isOpenState(session.state) || this.trailer.acceptedIn(session)) abort();
      }, () => undefined);
    }, PEER_POLL_MS);
    return () => {
      clearTimeout(deadline);
      clearInterval(poll);
      stopping.removeEventListener('abort', abort);
    };
  }

  /** Before receiving: partial files other sessions left in the output directory (closed, or a day old) go, each said. */
  private async removeLeftovers(id: string): Promise<void> {
    const { outDir } = this.side.files;
    const removed = await cleanStalePartials(outDir, {
      currentSessionId: id,
      isClosed: (other) => this.isClosed(other),
      maxAgeMs: STALE_PARTIAL_MS,
    });
    for (const { sessionId, files } of removed) {
      const whose = sessionId ? `of session ${sessionId} (closed or older than a day)` : 'older than a day that no session claims';
      this.deps.reporter.step(
        'stale-partials',
        { id: sessionId, files: files.length, outDir },
        `Removed ${files.length} partial file(s) ${whose} from ${outDir}.`,
      );
    }
  }

  /** Whether the server says a session is over (or does not know it to us); unsure answers keep its files. */
  private async isClosed(id: string): Promise<boolean> {
    try {
      return !isOpenState((await this.self.api.getSession(id)).state);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'session_not_found') return true;
      return false;
    }
  }

  /** Ctrl-C: drop the link, let the transfer clean up, cancel the session (once the server has opened it). */
  private async cancel(): Promise<void> {
    this.side.connector.close();
    await this.active.stop();
    const session = this.session ?? (await this.opening?.catch(() => undefined))?.session;
    if (session) await this.self.api.cancel(session.id, `cancelled by the ${this.side.party} (Ctrl-C)`);
  }

  /**
   * A failure: before the peer is in, the session is abandoned (cancelled); after, the transfer is
   * reported failed, and a receiver removes what it kept for a resume. Nothing to tell when the session
   * is already closed or only the report was lost.
   */
  private async settleFailure(error: unknown): Promise<void> {
    const { session, meeting } = this;
    if (error instanceof ReportNotDelivered) return;
    if (session && meeting?.role === 'receiver') await discardPartial(this.side.files.outDir, session.id).catch(() => undefined);
    if (!session || isSessionClosed(error)) return;
    if (meeting) await reportFailure(this.self.api, session.id, meeting.role, error, this.path?.via, this.linkBytes);
    else await this.self.api.cancel(session.id, this.side.rendezvous.abandonReason(error)).catch(() => undefined);
  }
}
