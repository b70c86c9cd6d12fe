/** Making the local identity key, uploading its public half, and pinning peers' keys. */
import { generateIdentity, keyFingerprint } from '../crypto/identity';
import type { ApiClient } from '../api/api-client';
import { formatFingerprint } from '../../../certs/src/fingerprint';
import { ExitCode, ExitError } from '../errors';
import type { StoredIdentity } from '../state/identity-file';
import type { Deps } from './deps';

/** Makes a fresh Ed25519 identity for `username`, stores it (0600) and uploads the public key. */
export async function createAndUploadIdentity(deps: Deps, api: ApiClient, username: string): Promise<StoredIdentity> {
  const generated = generateIdentity();
  const identity: StoredIdentity = {
    privateKeyPem: generated.privateKeyPem,
    publicKey: generated.publicKeyBase64,
    fingerprint: keyFingerprint(generated.publicKeyBase64),
    createdAt: new Date().toISOString(),
  };
  await deps.state.identities.set(api.serverUrl, username, identity);
  await api.putSigningKey(identity.publicKey);
  return identity;
}

/**
 * Checks `peer`'s signing key against the key pinned for them. First contact pins it.
 * A different key is refused (exit 4), naming the peer and both fingerprints.
 */
export async function checkPeerPin(deps: Deps, serverUrl: string, me: string, peer: string, publicKey: string): Promise<void> {
  const fingerprint = keyFingerprint(publicKey);
  const pinned = await deps.state.knownPeers.get(serverUrl, me, peer);
  if (!pinned) {
    await deps.state.knownPeers.set(serverUrl, me, peer, { publicKey, fingerprint, firstSeen: new Date().toISOString() });
    deps.reporter.step('peer-pinned', { peer, fingerprint }, `First contact with ${peer}: pinned their identity key ${formatFingerprint(fingerprint)}`);
    return;
  }
  if (pinned.publicKey !== publicKey) {
    throw new ExitError(
      ExitCode.Integrity,
      `The identity key of ${peer} has CHANGED: pinned ${formatFingerprint(pinned.fingerprint)}, the server now gives ${formatFingerprint(fingerprint)}. Refusing to transfer; nothing was sent or kept.`,
      `If ${peer} confirms (in person or by phone) that they made a new key with that fingerprint, run \`sft trust ${peer}\` to accept it; otherwise someone may be impersonating them.`,
    );
  }
}
