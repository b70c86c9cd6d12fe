/**
 * `sft join ID [FILE...] [--out DIR] [--overwrite]`
 * Joins a session, checks the host's keys, dials the host over pinned TLS, then receives
 * (host sends) or sends FILEs (host receives) and reports the outcome to the server.
 */
import * as path from 'node:path';
import { makeEphemeralCert } from '../../../certs/src/x509';
import { ExitCode, ExitError, usageError } from '../errors';
import { collectFiles } from '../transfer/manifest';
import { requireIdentity, requireLogin } from './connection';
import type { Deps, GlobalOptions } from './deps';
import { phraseConfirmer, type VerifyOptions } from './verify-phrase';
import { checkPeerPin } from './identity-keys';
import { dialHost, receiveOverLink, sendOverLink, type LinkContext } from './peer-link';
import { abortable, ActiveTransfer, assertOpen, checkCertificate, ReportNotDelivered, reportFailure, reportSuccess, whileSessionOpen } from './session-flow';

export interface JoinOptions extends GlobalOptions, VerifyOptions {
  id?: string;
  files?: string[];
  out?: string;
  overwrite?: boolean;
}

export async function join(opts: JoinOptions, deps: Deps): Promise<void> {
  const id = opts.id?.trim();
  if (!id) throw usageError('A session id is needed.', 'Usage: sft join ID [FILE...]');
  const paths = (opts.files ?? []).map((file) => path.resolve(deps.cwd, file));
  let peerName = 'the host';
  const confirmPhrase = phraseConfirmer(opts, deps, () => peerName);
  if (paths.length > 0) await collectFiles(paths, (note) => deps.reporter.warn(note)); // fail early on unreadable FILEs

  const { connection, api, credentials } = await requireLogin(opts, deps);
  const me = credentials.username;
  const identity = await requireIdentity(deps, connection.serverUrl, me);
  const own = await makeEphemeralCert(`sft ${me}`);
  const answer = await api.joinSession(id, own.certPem);
  const session = answer.session;
  peerName = session.host;
  const hostReceives = session.direction === 'host-receives';
  const role = hostReceives ? 'sender' : 'receiver';
  let closed = false;
  const active = new ActiveTransfer();

  const run = async () => {
    assertOpen(session);
    if (hostReceives && paths.length === 0) throw usageError(`${session.host} wants to receive: give the FILEs to send.`, `Usage: sft join ${session.id} FILE...`);
    if (!hostReceives && paths.length > 0) throw usageError(`${session.host} is sending; this session takes no FILEs from you.`, `Usage: sft join ${session.id} [--out DIR]`);
    const hostCert = checkCertificate(session.hostCertificate, session.hostFingerprint, session.host);
    await checkPeerPin(deps, connection.serverUrl, me, session.host, answer.hostSigningKey);
    deps.reporter.step('joined', { id: session.id, peer: session.host, direction: session.direction }, `Joined ${session.host}'s session; connecting to ${session.endpoint.host}:${session.endpoint.port}`);

    const context: LinkContext = {
      sessionId: session.id,
      sessionKey: answer.key,
      me: { username: me, privateKeyPem: identity.privateKeyPem },
      peer: { username: session.host, publicKey: answer.hostSigningKey },
      ownCertFingerprint: own.fingerprint,
      confirmPhrase,
      peerCertFingerprint: hostCert.fingerprint,
    };
    const transfer = async () => {
      const socket = (active.socket = await dialHost({ host: session.endpoint.host, port: session.endpoint.port, own, peer: hostCert }));
      return hostReceives
        ? sendOverLink(socket, context, paths, deps.reporter)
        : receiveOverLink(socket, context, { outDir: path.resolve(deps.cwd, opts.out ?? '.'), overwrite: Boolean(opts.overwrite) }, deps.reporter);
    };
    const work = (active.work = transfer());
    const outcome = await whileSessionOpen(api, session.id, work, () => active.stop());
    await reportSuccess(deps, api, session.id, role, outcome);
  };

  const cancel = async () => {
    closed = true;
    await active.stop();
    await api.cancel(session.id, 'cancelled by the joiner (Ctrl-C)');
  };
  try {
    await abortable(deps.signal, run(), cancel);
  } catch (error) {
    if (!closed && !(error instanceof ExitError && error.exitCode === ExitCode.Closed) && !(error instanceof ReportNotDelivered)) {
      if (error instanceof ExitError && error.exitCode === ExitCode.Usage) await api.cancel(session.id, error.message).catch(() => undefined);
      else await reportFailure(api, session.id, role, error);
    }
    throw error;
  }
}
