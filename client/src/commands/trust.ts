/**
 * `sft trust USER [--yes]`: accept USER's current identity key as the server holds it, replacing the
 * key pinned for them (after they made a new one, e.g. on a new machine). Shows the pinned and the new
 * fingerprint first and asks (on a terminal), since whoever controls the server could answer with any
 * key: compare the new fingerprint with USER out of band (`sft whoami` shows it on their side).
 */
import { formatFingerprint } from '../../../certs/src/x509';
import { keyFingerprint, publicKeyFromBase64 } from '../crypto/identity';
import { ExitCode, ExitError, usageError } from '../errors';
import { requireLogin } from './connection';
import type { Deps, GlobalOptions } from './deps';

export interface TrustOptions extends GlobalOptions {
  user?: string;
  yes?: boolean;
}

export async function trust(opts: TrustOptions, deps: Deps): Promise<void> {
  const peer = opts.user?.trim();
  if (!peer) throw usageError('Whose key? Give a username.', 'Usage: sft trust USER');
  const { connection, api, credentials } = await requireLogin(opts, deps);
  const me = credentials.username;
  if (peer.toLowerCase() === me.toLowerCase()) throw usageError('That is you: your own key needs no trust (see `sft whoami`).');
  if (!opts.yes && !deps.stdin.isTTY) {
    throw usageError('sft trust asks before replacing a pinned key, but stdin is not a terminal.', 'Pass --yes once you compared the fingerprint with the peer.');
  }

  const answer = await api.getSigningKey(peer);
  try {
    publicKeyFromBase64(answer.publicKey);
  } catch {
    throw new ExitError(ExitCode.Integrity, `The server answered with something that is not an Ed25519 key for ${peer}; nothing was changed.`);
  }
  const fingerprint = keyFingerprint(answer.publicKey); // computed here, not taken from the server
  const pinned = await deps.state.knownPeers.get(connection.serverUrl, me, peer);
  if (pinned?.publicKey === answer.publicKey) {
    deps.reporter.result('trust', { peer, fingerprint, changed: false }, `${peer}'s identity key ${formatFingerprint(fingerprint)} is already the one pinned; nothing to do.`);
    return;
  }

  deps.reporter.step(
    'trust-compare',
    { peer, pinned: pinned?.fingerprint ?? null, fingerprint },
    [
      pinned
        ? `pinned key of ${peer}:   ${formatFingerprint(pinned.fingerprint)} (since ${pinned.firstSeen})`
        : `no key of ${peer} is pinned yet`,
      `key the server has now: ${formatFingerprint(fingerprint)}`,
      `Only accept it if ${peer} confirms this fingerprint to you (in person, by phone): \`sft whoami\` shows it on their side.`,
    ],
  );
  if (!opts.yes && !(await askToTrust(deps, peer))) {
    throw new ExitError(ExitCode.Failure, `Not trusted: the pinned key of ${peer} is unchanged.`);
  }
  await deps.state.knownPeers.set(connection.serverUrl, me, peer, { publicKey: answer.publicKey, fingerprint, firstSeen: new Date().toISOString() });
  deps.reporter.result(
    'trust',
    { peer, fingerprint, previous: pinned?.fingerprint ?? null, changed: true },
    `Now trusting ${peer}'s identity key ${formatFingerprint(fingerprint)}.`,
  );
}

async function askToTrust(deps: Deps, peer: string): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts'); // loaded only when a prompt is shown
  return confirm({ message: `Trust this key for ${peer}?`, default: false }, { input: deps.stdin, output: deps.promptOutput ?? process.stderr });
}
