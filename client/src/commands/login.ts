/** `sft login`: get a token and store it; make and upload an identity key if this machine has none. */
import { formatFingerprint } from '../../../certs/src/fingerprint';
import type { ApiClient } from '../api/api-client';
import type { LoginAnswer } from '../api/types';
import { resolveConnection, type Connection } from './connection';
import { askPassword, askUsername, type CredentialOptions } from './credentials-input';
import type { Deps, GlobalOptions } from './deps';
import { ensureDeliveryKey } from './delivery-keys';
import { createAndUploadIdentity } from './identity-keys';

export type LoginOptions = GlobalOptions & CredentialOptions;

export async function login(opts: LoginOptions, deps: Deps): Promise<void> {
  const connection = await resolveConnection(opts, deps);
  const username = await askUsername(opts, deps, await rememberedUsername(deps, connection.serverUrl));
  const password = await askPassword(opts, deps, false);
  const answer = await deps.api({ serverUrl: connection.serverUrl, ca: connection.ca }).login(username, password);
  const api = await storeLogin(deps, connection, answer);
  const name = answer.user.username;

  let identity = await deps.state.identities.get(connection.serverUrl, name);
  if (!identity) {
    identity = await createAndUploadIdentity(deps, api, name);
    deps.reporter.warn(`Made a new identity key for ${name} on this machine; peers who pinned your old key will refuse it until they re-pin.`);
  } else if ((await api.me()).signingKey !== identity.publicKey) {
    await api.putSigningKey(identity.publicKey);
    deps.reporter.warn(`The server held another identity key for ${name}; uploaded this machine's key.`);
  }
  identity = await ensureDeliveryKey(deps, api, name, identity);
  deps.reporter.result(
    'login',
    { username: name, server: connection.serverUrl, fingerprint: identity.fingerprint },
    `Logged in as ${name} at ${connection.serverUrl}. Identity key ${formatFingerprint(identity.fingerprint)}`,
  );
}

/** The username of the last login at `serverUrl`, kept past `sft logout` (older homes: from the stored token's entry). */
async function rememberedUsername(deps: Deps, serverUrl: string): Promise<string | undefined> {
  return (await deps.state.config.usernameFor(serverUrl)) ?? (await deps.state.credentials.get(serverUrl))?.username;
}

/** Stores the token (0600) and remembers the server, CA and username; returns a client using the token. */
export async function storeLogin(deps: Deps, connection: Connection, answer: LoginAnswer): Promise<ApiClient> {
  await deps.state.credentials.set(connection.serverUrl, {
    username: answer.user.username,
    token: answer.token,
    expiresAt: answer.expiresAt,
  });
  await deps.state.config.remember(connection.serverUrl, connection.caFromArgs ? connection.ca : undefined, answer.user.username);
  return deps.api({ serverUrl: connection.serverUrl, ca: connection.ca, token: answer.token });
}
