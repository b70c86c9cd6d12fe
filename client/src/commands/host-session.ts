/**
 * `sft host-session [FILE...] [--to USER] [--receive] [--out DIR] [--listen H:P] [--advertise H:P] [--overwrite] [--relay MODE] [--retry-for D]`
 * Opens a session, prints its id, waits for the joiner, checks their keys, then sends or receives
 * over pinned TLS, directly or through the relay (session/race.ts), and reports the outcome to the server (client/src/session/runner.ts).
 * Run again after a crash, it rejoins the session it left open and resumes (host-resume.ts).
 */
import type { HostPort } from '../cli';
import { usageError } from '../errors';
import { HostRace, type RelayMode } from '../session/race';
import { runTransferSession, sideFiles } from '../session/runner';
import { collectFiles } from '../transfer/manifest';
import type { Deps, GlobalOptions } from './deps';
import { DEFAULT_RETRY_SECONDS } from '../session/reconnect';
import { OpenAndWait } from './host-rendezvous';
import { ResumeOrOpen } from './host-resume';
import { phraseConfirmer, type VerifyOptions } from './verify-phrase';

export interface HostSessionOptions extends GlobalOptions, VerifyOptions {
  files?: string[];
  to?: string;
  receive?: boolean;
  out?: string;
  listen?: HostPort;
  advertise?: HostPort;
  overwrite?: boolean;
  /** --relay auto|never|only (default auto). */
  relay?: RelayMode;
  /** --retry-for, seconds (default 5 min; 0 = off). */
  retryFor?: number;
}

export async function hostSession(opts: HostSessionOptions, deps: Deps): Promise<void> {
  const files = sideFiles(deps.cwd, opts);
  const { paths } = files;
  if (opts.receive && paths.length > 0) throw usageError('Give FILEs to send, or --receive, not both.');
  if (!opts.receive && paths.length === 0) throw usageError('Nothing to do: give FILEs to send, or --receive to receive.', 'Example: sft host-session report.pdf --to bob');
  if (!opts.receive && (opts.out || opts.overwrite)) throw usageError('--out and --overwrite only apply with --receive.');
  const relay = opts.relay ?? 'auto';
  if (relay === 'only' && (opts.listen || opts.advertise)) throw usageError('--listen and --advertise are for the direct link: not with --relay only.');
  const peer = { name: opts.to ?? 'the peer' };
  const confirmPhrase = phraseConfirmer(opts, deps, () => peer.name);
  const offered = opts.receive ? undefined : await collectFiles(paths, (note) => deps.reporter.warn(note));

  await runTransferSession(
    {
      party: 'host',
      rendezvous: new ResumeOrOpen(
        { role: opts.receive ? 'receiver' : 'sender', files: paths, outDir: files.outDir, invitee: opts.to },
        new OpenAndWait({ invitee: opts.to, receive: Boolean(opts.receive), offered, relay }),
      ),
      connector: new HostRace(relay, opts.listen, opts.advertise),
      files,
      confirmPhrase,
      peer,
      retryForSeconds: opts.retryFor ?? DEFAULT_RETRY_SECONDS,
    },
    opts,
    deps,
  );
}
