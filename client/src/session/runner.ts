/**
 * One side of a transfer, from login to the report: the one flow behind `sft host-session` and
 * `sft join`, one object per run with a method per step. A command describes its side as a
 * TransferSide and calls runTransferSession once. The steps:
 *
 *   prepare   the Connector gets ready before the session exists (the host binds its port)
 *   open      the Rendezvous opens (host) or joins (joiner) the session on the server
 *   meet      the Rendezvous waits until the peer is in and says who they are and which way files go
 *   check     the peer's certificate against the server's fingerprint, its identity key against our pin
 *   connect   the Connector obtains the pinned TLS link (connector.ts)
 *   transfer  send or receive over the link while watching the session (a closed session: exit 6)
 *   report    print the verified outcome and deliver the report (retried while the server is away)
 *
 * Around them, once: Ctrl-C closes the connector, stops the transfer and cancels the session
 * (exit 6); a failure before the peer is in abandons the session (cancel), after it reports the
 * transfer failed; the connector is closed in every case.
 * New paths plug in without copying this flow: a relay or racing link is another Connector,
 * offline delivery another Rendezvous, resume a step around `transfer`.
 */
import { makeEphemeralCert, type KeyAndCert } from '../../../certs/src/x509';
import type { ApiClient } from '../api/api-client';
import type { SessionView } from '../api/types';
import { requireIdentity, requireLogin } from '../commands/connection';
import type { Deps, GlobalOptions } from '../commands/deps';
import { checkPeerPin } from '../commands/identity-keys';
import type { Role } from '../crypto/handshake';
import type { PeerCertificate } from '../peer/types';
import type { PhraseConfirmer, TransferSummary } from '../transfer/types';
import { abortable, ActiveTransfer } from './cancellation';
import { describePath, type Advertised, type Connector, type LinkPath } from './connector';
import { checkCertificate } from './peer-check';
import { ReportNotDelivered, reportFailure, reportSuccess } from './report';
import { isSessionClosed, whileSessionOpen } from './session-watch';
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
}

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
  private opening?: Promise<OpenedSession>;
  private session?: SessionView;
  private meeting?: Meeting;
  /** The path the link took, once connected (reported to the server). */
  private path?: LinkPath;

  constructor(
    private readonly side: TransferSide,
    private readonly deps: Deps,
    private readonly self: Self,
  ) {}

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
    }
  }

  private async steps(ctx: RendezvousContext): Promise<void> {
    const opened = await this.open(ctx);
    const meeting = await this.meet(opened, ctx);
    const peer = await this.check(meeting);
    const outcome = await this.transfer(opened, meeting, peer);
    await reportSuccess(this.deps, this.self.api, meeting.session.id, meeting.role, outcome, this.path?.via);
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

  /** Connects and sends or receives while watching the session: if it closes first, the transfer stops (exit 6). */
  private async transfer(opened: OpenedSession, meeting: Meeting, peer: CheckedPeer): Promise<TransferSummary> {
    const { api, me, privateKeyPem, own } = this.self;
    const { session, role } = meeting;
    const context = transferContext({
      sessionId: session.id,
      sessionKey: opened.key,
      me: { username: me, privateKeyPem, tlsFingerprint: own.fingerprint },
      peer: { username: meeting.peer, publicKey: peer.signingKey, tlsFingerprint: peer.certificate.fingerprint },
    });
    const work = (async () => {
      const link = await this.side.connector.connect({ api, session, own, peer: peer.certificate });
      const socket = (this.active.socket = link.socket);
      this.path = link.path;
      const address = link.path.via === 'direct' ? link.path.address : link.path.relay;
      this.deps.reporter.step('path', { id: session.id, path: link.path.via, address }, `Connected ${describePath(link.path)}`);
      return runTransfer(socket, role, context, this.side.files, this.deps.reporter, this.side.confirmPhrase);
    })();
    this.active.work = work;
    return whileSessionOpen(api, session.id, work, () => this.active.stop());
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
   * reported failed. Nothing to tell when the session is already closed or only the report was lost.
   */
  private async settleFailure(error: unknown): Promise<void> {
    const { session, meeting } = this;
    if (!session || isSessionClosed(error) || error instanceof ReportNotDelivered) return;
    if (meeting) await reportFailure(this.self.api, session.id, meeting.role, error, this.path?.via);
    else await this.self.api.cancel(session.id, this.side.rendezvous.abandonReason(error)).catch(() => undefined);
  }
}
