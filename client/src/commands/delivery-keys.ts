/**
 * Delivery keys (issue 13): making and publishing my X25519 delivery key, and fetching a recipient's,
 * checked against their pinned identity key and pinned itself (trust on first use, like identity keys).
 */
import { formatFingerprint } from '../../../certs/src/fingerprint';
import type { ApiClient } from '../api/api-client';
import { ApiError } from '../api/api-error';
import { generateDeliveryKey, signDeliveryKey, verifyDeliveryKey } from '../crypto/delivery-key';
import { keyFingerprint, privateKeyFromPem, publicKeyFromBase64 } from '../crypto/identity';
import { ExitCode, ExitError } from '../errors';
import type { StoredIdentity } from '../state/identity-file';
import type { Deps } from './deps';
import { checkPeerPin } from './identity-keys';

/**
 * Makes my delivery key when this machine has none (new accounts at `register`, older homes on first use)
 * and publishes it signed by my identity key; republishes it when the server holds another one.
 */
export async function ensureDeliveryKey(deps: Deps, api: ApiClient, username: string, identity: StoredIdentity): Promise<StoredIdentity> {
  let current = identity;
  if (!current.delivery) {
    const made = generateDeliveryKey();
    current = {
      ...identity,
      delivery: { ...made, fingerprint: keyFingerprint(made.publicKey), createdAt: new Date().toISOString() },
    };
    await deps.state.identities.set(api.serverUrl, username, current);
  } else if ((await publishedDeliveryKey(api, username)) === current.delivery.publicKey) {
    return current;
  }
  const delivery = current.delivery!;
  await api.putDeliveryKey(delivery.publicKey, signDeliveryKey(privateKeyFromPem(current.privateKeyPem), username, delivery.publicKey));
  deps.reporter.step('delivery-key', { fingerprint: delivery.fingerprint }, `Published your delivery key ${formatFingerprint(delivery.fingerprint)} (stored deliveries to you are encrypted to it).`);
  return current;
}

async function publishedDeliveryKey(api: ApiClient, username: string): Promise<string | null> {
  try {
    return (await api.getDeliveryKey(username)).publicKey;
  } catch (error) {
    if (error instanceof ApiError && error.code === 'delivery_key_missing') return null;
    throw error;
  }
}

export interface RecipientKeys {
  /** The recipient's name as the server spells it (lowercase). */
  username: string;
  /** Base64 of the raw X25519 delivery key, checked and pinned. */
  deliveryKey: string;
  /** Base64 of the recipient's Ed25519 identity key, checked against the pin. */
  signingKey: string;
}

/**
 * `peer`'s delivery key, after three checks: their identity key is the one pinned for them (first contact
 * pins it), the delivery key is signed by that identity key, and it is the delivery key pinned for them
 * (first contact pins it). A failed check is exit 4 before anything is uploaded.
 */
export async function recipientKeys(deps: Deps, api: ApiClient, me: string, peer: string): Promise<RecipientKeys> {
  const answer = await api.getDeliveryKey(peer);
  const name = answer.username;
  if (!answer.signingKey) {
    throw new ExitError(ExitCode.Failure, `${name} has no identity key on the server yet, so their delivery key cannot be checked.`, `Ask ${name} to run \`sft login\`.`);
  }
  let identityKey;
  try {
    identityKey = publicKeyFromBase64(answer.signingKey);
  } catch {
    throw new ExitError(ExitCode.Integrity, `The server answered with something that is not an Ed25519 key for ${name}; nothing was sent.`);
  }
  await checkPeerPin(deps, api.serverUrl, me, name, answer.signingKey);
  if (!verifyDeliveryKey(identityKey, name, answer.publicKey, answer.signature)) {
    throw new ExitError(
      ExitCode.Integrity,
      `The delivery key the server gives for ${name} is not signed by their identity key. Refusing to send; nothing was uploaded.`,
      'Someone may be tampering with the server; tell the server operator.',
    );
  }
  const fingerprint = keyFingerprint(answer.publicKey);
  const pinned = (await deps.state.knownPeers.get(api.serverUrl, me, name))!;
  if (!pinned.deliveryKey) {
    await deps.state.knownPeers.set(api.serverUrl, me, name, { ...pinned, deliveryKey: { publicKey: answer.publicKey, fingerprint, firstSeen: new Date().toISOString() } });
    deps.reporter.step('delivery-key-pinned', { peer: name, fingerprint }, `First delivery to ${name}: pinned their delivery key ${formatFingerprint(fingerprint)}`);
  } else if (pinned.deliveryKey.publicKey !== answer.publicKey) {
    throw new ExitError(
      ExitCode.Integrity,
      `The delivery key of ${name} has CHANGED: pinned ${formatFingerprint(pinned.deliveryKey.fingerprint)}, the server now gives ${formatFingerprint(fingerprint)}. Refusing to send; nothing was uploaded.`,
      `If ${name} confirms they set up sft anew (e.g. on a new machine), run \`sft trust ${name}\` to accept it; otherwise someone may be impersonating them.`,
    );
  }
  return { username: name, deliveryKey: answer.publicKey, signingKey: answer.signingKey };
}
