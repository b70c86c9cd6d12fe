/**
 * `sft trust USER [--yes]`: accept USER's current identity key (and the delivery key it signed) as the server
 * holds them, replacing the keys pinned for them (after they made a new one, e.g. on a new machine). Shows the pinned and the new
 * fingerprint first and asks (on a terminal), since whoever controls the server could answer with any
 * key: compare the new fingerprint with USER out of band (`sft whoami` shows it on their side).
 */
import { formatFingerprint } from '../../../certs/src/fingerprint';
import type { ApiClient } from '../api/api-client';
import { ApiError } from '../api/api-error';
import { verifyDeliveryKey } from '../crypto/delivery-key';
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
  const delivery = await signedDeliveryKey(api, peer, answer.publicKey);
  const deliveryChanged = pinned?.deliveryKey !== undefined && pinned.deliveryKey.publicKey !== delivery?.publicKey;
  if (pinned?.publicKey === answer.publicKey && !deliveryChanged) {
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
      ...(deliveryChanged
        ? [
            `pinned delivery key:    ${formatFingerprint(pinned.deliveryKey!.fingerprint)}`,
            `delivery key now:       ${delivery ? formatFingerprint(delivery.fingerprint) : '(none)'}`,
          ]
        : []),
      `Only accept it if ${peer} confirms this fingerprint to you (in person, by phone): \`sft whoami\` shows it on their side.`,
    ],
  );
  if (!opts.yes && !(await askToTrust(deps, peer))) {
    throw new ExitError(ExitCode.Failure, `Not trusted: the pinned key of ${peer} is unchanged.`);
  }
  const now = new Date().toISOString();
  await deps.state.knownPeers.set(connection.serverUrl, me, peer, {
    publicKey: answer.publicKey,
    fingerprint,
    firstSeen: now,
    ...(delivery ? { deliveryKey: { ...delivery, firstSeen: now } } : {}),
  });
  deps.reporter.result(
    'trust',
    { peer, fingerprint, previous: pinned?.fingerprint ?? null, changed: true },
    `Now trusting ${peer}'s identity key ${formatFingerprint(fingerprint)}.`,
  );
}

/** `peer`'s delivery key when it is signed by `identityKey`, else null (a bad or missing one is not pinned). */
async function signedDeliveryKey(api: ApiClient, peer: string, identityKey: string): Promise<{ publicKey: string; fingerprint: string } | null> {
  try {
    const answer = await api.getDeliveryKey(peer);
    if (!verifyDeliveryKey(publicKeyFromBase64(identityKey), answer.username, answer.publicKey, answer.signature)) return null;
    return { publicKey: answer.publicKey, fingerprint: keyFingerprint(answer.publicKey) };
  } catch (error) {
    if (error instanceof ApiError && error.code === 'delivery_key_missing') return null;
    throw error;
  }
}

async function askToTrust(deps: Deps, peer: string): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts'); // loaded only when a prompt is shown
  return confirm({ message: `Trust this key for ${peer}?`, default: false }, { input: deps.stdin, output: deps.promptOutput ?? process.stderr });
}
