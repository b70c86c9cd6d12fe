/**
 * `sft join ID [FILE...] [--out DIR] [--overwrite] [--relay MODE] [--retry-for D]`
 * Joins a session, checks the host's keys, reaches the host over pinned TLS (directly, or through the
 * relay when the host cannot be dialled: session/race.ts), then receives
 * (host sends) or sends FILEs (host receives) and reports the outcome to the server
 * (client/src/session/runner.ts). Run again after a crash, it rejoins the session (the server takes a
 * new certificate from its recorded joiner) and resumes from the partial files kept in --out.
 */
import { usageError } from '../errors';
import { JoinRace, type RelayMode } from '../session/race';
import { runTransferSession, sideFiles } from '../session/runner';
import { collectFiles } from '../transfer/manifest';
import type { Deps, GlobalOptions } from './deps';
import { DEFAULT_RETRY_SECONDS } from '../session/reconnect';
import { JoinById } from './join-rendezvous';
import { phraseConfirmer, type VerifyOptions } from './verify-phrase';

export interface JoinOptions extends GlobalOptions, VerifyOptions {
  id?: string;
  files?: string[];
  out?: string;
  overwrite?: boolean;
  /** --relay auto|never|only (default auto). */
  relay?: RelayMode;
  /** --retry-for, seconds (default 5 min; 0 = off). */
  retryFor?: number;
}

export async function join(opts: JoinOptions, deps: Deps): Promise<void> {
  const id = opts.id?.trim();
  if (!id) throw usageError('A session id is needed.', 'Usage: sft join ID [FILE...]');
  const files = sideFiles(deps.cwd, opts);
  const { paths } = files;
  const peer = { name: 'the host' };
  const confirmPhrase = phraseConfirmer(opts, deps, () => peer.name);
  if (paths.length > 0) await collectFiles(paths, (note) => deps.reporter.warn(note)); // fail early on unreadable FILEs

  await runTransferSession(
    {
      party: 'joiner',
      rendezvous: new JoinById(id, paths.length > 0),
      connector: new JoinRace(opts.relay ?? 'auto'),
      files,
      confirmPhrase,
      peer,
      retryForSeconds: opts.retryFor ?? DEFAULT_RETRY_SECONDS,
    },
    opts,
    deps,
  );
}
