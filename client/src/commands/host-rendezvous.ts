/** How `sft host-session` meets its peer: it opens a session on the server and waits for the joiner. */
import type { SessionView } from '../api/types';
import type { Meeting, OpenedSession, Rendezvous, RendezvousContext } from '../session/runner';
import { assertOpen } from '../session/session-watch';
import type { RelayMode } from '../session/race';
import type { ManifestEntry } from '../transfer/manifest';

export interface HostRendezvousOptions {
  /** --to: only this user may join. */
  invitee?: string;
  /** --receive: the joiner sends, we receive. */
  receive: boolean;
  /** The files we offer (names and sizes go into the session), when we send. */
  offered?: ManifestEntry[];
  /** --relay: told to the joiner through the session. */
  relay: RelayMode;
}

export class OpenAndWait implements Rendezvous {
  constructor(private readonly options: HostRendezvousOptions) {}

  async open({ api, deps, own, advertised }: RendezvousContext): Promise<OpenedSession> {
    const { invitee, receive, offered, relay } = this.options;
    if (!advertised && relay !== 'only') throw new Error('The host needs a connector that advertises an endpoint.');
    const endpoint = advertised?.endpoint;
    const created = await api.createSession({
      direction: receive ? 'host-receives' : 'host-sends',
      invitee,
      endpoint,
      candidates: advertised?.candidates.length ? advertised.candidates : undefined,
      relay,
      certificate: own.certPem,
      files: offered?.map(({ name, size }) => ({ name, size })),
    });
    const { session } = created;
    deps.reporter.result('session', { id: session.id, expiresAt: session.expiresAt }, session.id);
    const joinHint = receive ? `sft join ${session.id} FILE...` : `sft join ${session.id}`;
    deps.reporter.step('waiting', { id: session.id, endpoint }, `Waiting for ${invitee ?? 'a peer'} to run: ${joinHint}`);
    return created;
  }

  async meet(opened: OpenedSession, { api }: RendezvousContext): Promise<Meeting> {
    let session: SessionView = opened.session;
    while (session.state === 'waiting') session = await api.waitSession(session.id, 'waiting');
    assertOpen(session);
    const joiner = session.joiner ?? '';
    return {
      session,
      role: this.options.receive ? 'receiver' : 'sender',
      peer: joiner,
      peerCertificatePem: session.joinerCertificate,
      peerFingerprint: session.joinerFingerprint,
      peerSigningKey: async () => (await api.getSigningKey(joiner)).publicKey,
      announce: { data: { id: session.id, peer: joiner }, text: `${joiner} joined; waiting for their connection` },
    };
  }

  abandonReason(): string {
    return 'the host failed before anyone joined';
  }
}
