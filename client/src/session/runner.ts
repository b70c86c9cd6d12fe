/**
 * One side of a transfer, from login to the report: the one flow behind `sft host-session` and
 * `sft join` (compare magic-wormhole's Sender/Receiver in cmd_send.py / cmd_receive.py). A command
 * describes its side as a TransferSide and calls runTransferSession once. The steps:
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
import type { Endpoint, SessionView } from '../api/types';
import { requireIdentity, requireLogin } from '../commands/connection';
import type { Deps, GlobalOptions } from '../commands/deps';
import { checkPeerPin } from '../commands/identity-keys';
import type { PhraseConfirmer } from '../transfer/types';
import { abortable, ActiveTransfer } from './cancellation';
import type { Connector } from './connector';
import { checkCertificate } from './peer-check';
import { ReportNotDelivered, reportFailure, reportSuccess } from './report';
import type { Party, TransferRole } from './roles';
import { isSessionClosed, whileSessionOpen } from './session-watch';
import { runTransfer, transferContext, type SideFiles } from './transfer-step';

export type { Party, TransferRole } from './roles';
export type { SideFiles } from './transfer-step';

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
  role: TransferRole;
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
  /** The endpoint the connector advertises, if it accepts connections (Connector.prepare). */
  endpoint?: Endpoint;
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
  const { connector, rendezvous } = side;
  const endpoint = await connector.prepare({ own, serverUrl: connection.serverUrl });
  const ctx: RendezvousContext = { api, deps, own, endpoint };
  const active = new ActiveTransfer();
  let opening: Promise<OpenedSession> | undefined;
  let session: SessionView | undefined;
  let meeting: Meeting | undefined;

  const run = async () => {
    opening = rendezvous.open(ctx);
    const opened = await opening;
    session = opened.session;
    meeting = await rendezvous.meet(opened, ctx);
    const { role, peer } = meeting;
    session = meeting.session;
    side.peer.name = peer;
    const peerCert = checkCertificate(meeting.peerCertificatePem, meeting.peerFingerprint, peer);
    const peerKey = await meeting.peerSigningKey();
    await checkPeerPin(deps, connection.serverUrl, me, peer, peerKey);
    deps.reporter.step('joined', meeting.announce.data, meeting.announce.text);

    const context = transferContext({
      sessionId: session.id,
      sessionKey: opened.key,
      me: { username: me, privateKeyPem: identity.privateKeyPem, tlsFingerprint: own.fingerprint },
      peer: { username: peer, publicKey: peerKey, tlsFingerprint: peerCert.fingerprint },
    });
    const joined = session;
    const transfer = async () => {
      const socket = (active.socket = await connector.connect({ api, session: joined, own, peer: peerCert }));
      return runTransfer(socket, role, context, side.files, deps.reporter, side.confirmPhrase);
    };
    const work = (active.work = transfer());
    const outcome = await whileSessionOpen(api, joined.id, work, () => active.stop());
    await reportSuccess(deps, api, joined.id, role, outcome);
  };

  const cancel = async () => {
    connector.close();
    await active.stop();
    // Ctrl-C while the server is opening the session: cancel it as soon as it exists.
    const open = session ?? (await opening?.catch(() => undefined))?.session;
    if (open) await api.cancel(open.id, `cancelled by the ${side.party} (Ctrl-C)`);
  };
  try {
    await abortable(deps.signal, run(), cancel);
  } catch (error) {
    if (session && !isSessionClosed(error) && !(error instanceof ReportNotDelivered)) {
      if (meeting) await reportFailure(api, session.id, meeting.role, error);
      else await api.cancel(session.id, rendezvous.abandonReason(error)).catch(() => undefined);
    }
    throw error;
  } finally {
    connector.close();
  }
}
