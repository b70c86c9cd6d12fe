/**
 * `sft host-session [FILE...] [--to USER] [--receive] [--out DIR] [--listen H:P] [--advertise H:P] [--overwrite]`
 * Opens a session, prints its id, waits for the joiner, checks their keys, then sends or receives
 * directly over pinned TLS and reports the outcome to the server.
 */
import * as path from 'node:path';
import { makeEphemeralCert } from '../../../certs/src/x509';
import type { HostPort } from '../cli';
import { ExitCode, ExitError, usageError } from '../errors';
import { collectFiles } from '../transfer/manifest';
import type { SessionView } from '../api/types';
import { requireIdentity, requireLogin } from './connection';
import type { Deps, GlobalOptions } from './deps';
import { phraseConfirmer, type VerifyOptions } from './verify-phrase';
import { checkPeerPin } from './identity-keys';
import { listenForJoiner, receiveOverLink, sendOverLink, type LinkContext } from './peer-link';
import { abortable, ActiveTransfer, assertOpen, checkCertificate, defaultAdvertiseHost, ReportNotDelivered, reportFailure, reportSuccess, whileSessionOpen } from './session-flow';

export interface HostSessionOptions extends GlobalOptions, VerifyOptions {
  files?: string[];
  to?: string;
  receive?: boolean;
  out?: string;
  listen?: HostPort;
  advertise?: HostPort;
  overwrite?: boolean;
}

/** How long the host waits for the joiner's TLS connection once the server says they joined. */
const ACCEPT_TIMEOUT_MS = 60_000;
/** Seconds per long-poll request while waiting for a joiner. */
const WAIT_POLL_SECONDS = 25;

export async function hostSession(opts: HostSessionOptions, deps: Deps): Promise<void> {
  const paths = (opts.files ?? []).map((file) => path.resolve(deps.cwd, file));
  if (opts.receive && paths.length > 0) throw usageError('Give FILEs to send, or --receive, not both.');
  if (!opts.receive && paths.length === 0) throw usageError('Nothing to do: give FILEs to send, or --receive to receive.', 'Example: sft host-session report.pdf --to bob');
  if (!opts.receive && (opts.out || opts.overwrite)) throw usageError('--out and --overwrite only apply with --receive.');
  let peerName = opts.to ?? 'the peer';
  const confirmPhrase = phraseConfirmer(opts, deps, () => peerName);
  const offered = opts.receive ? undefined : await collectFiles(paths, (note) => deps.reporter.warn(note));

  const { connection, api, credentials } = await requireLogin(opts, deps);
  const me = credentials.username;
  const identity = await requireIdentity(deps, connection.serverUrl, me);
  const own = await makeEphemeralCert(`sft ${me}`);
  const listen = opts.listen ?? { host: '0.0.0.0', port: 0 };
  const listener = await listenForJoiner({ host: listen.host, port: listen.port, own });
  let session: SessionView | undefined;
  let joined = false;
  const active = new ActiveTransfer();

  const run = async () => {
    const endpoint = opts.advertise ?? { host: defaultAdvertiseHost(listen.host, connection.serverUrl), port: listener.port };
    const created = await api.createSession({
      direction: opts.receive ? 'host-receives' : 'host-sends',
      invitee: opts.to,
      endpoint,
      certificate: own.certPem,
      files: offered?.map(({ name, size }) => ({ name, size })),
    });
    session = created.session;
    deps.reporter.result('session', { id: session.id, expiresAt: session.expiresAt }, session.id);
    const joinHint = opts.receive ? `sft join ${session.id} FILE...` : `sft join ${session.id}`;
    deps.reporter.step('waiting', { id: session.id, endpoint }, `Waiting for ${opts.to ?? 'a peer'} to run: ${joinHint}`);

    while (session.state === 'waiting') session = await api.waitSession(session.id, 'waiting', WAIT_POLL_SECONDS);
    assertOpen(session);
    joined = true;
    const joiner = session.joiner ?? '';
    peerName = joiner;
    const peerCert = checkCertificate(session.joinerCertificate, session.joinerFingerprint, joiner);
    const peerKey = await api.getSigningKey(joiner);
    await checkPeerPin(deps, connection.serverUrl, me, joiner, peerKey.publicKey);
    deps.reporter.step('joined', { id: session.id, peer: joiner }, `${joiner} joined; waiting for their direct connection`);

    const context: LinkContext = {
      sessionId: session.id,
      sessionKey: created.key,
      me: { username: me, privateKeyPem: identity.privateKeyPem },
      peer: { username: joiner, publicKey: peerKey.publicKey },
      ownCertFingerprint: own.fingerprint,
      confirmPhrase,
      peerCertFingerprint: peerCert.fingerprint,
    };
    const role = opts.receive ? 'receiver' : 'sender';
    const transfer = async () => {
      const socket = (active.socket = await listener.accept(peerCert, ACCEPT_TIMEOUT_MS));
      return opts.receive
        ? receiveOverLink(socket, context, { outDir: path.resolve(deps.cwd, opts.out ?? '.'), overwrite: Boolean(opts.overwrite) }, deps.reporter)
        : sendOverLink(socket, context, paths, deps.reporter);
    };
    const work = (active.work = transfer());
    const outcome = await whileSessionOpen(api, session.id, work, () => active.stop());
    await reportSuccess(deps, api, session.id, role, outcome);
  };

  const cancel = async () => {
    listener.close();
    await active.stop();
    if (session) await api.cancel(session.id, 'cancelled by the host (Ctrl-C)');
  };
  try {
    await abortable(deps.signal, run(), cancel);
  } catch (error) {
    if (session && !(error instanceof ExitError && error.exitCode === ExitCode.Closed) && !(error instanceof ReportNotDelivered)) {
      if (joined) await reportFailure(api, session.id, opts.receive ? 'receiver' : 'sender', error);
      else await api.cancel(session.id, 'the host failed before anyone joined').catch(() => undefined);
    }
    throw error;
  } finally {
    listener.close();
  }
}
