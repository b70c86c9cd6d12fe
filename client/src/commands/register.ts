/** `sft register`: create an account, log in, make the identity and delivery keys and upload their public halves. */
import { formatFingerprint } from '../../../certs/src/fingerprint';
import { resolveConnection } from './connection';
import { askPassword, askUsername, type CredentialOptions } from './credentials-input';
import type { Deps, GlobalOptions } from './deps';
import { ensureDeliveryKey } from './delivery-keys';
import { createAndUploadIdentity } from './identity-keys';
import { storeLogin } from './login';

export type RegisterOptions = GlobalOptions & CredentialOptions;

export async function register(opts: RegisterOptions, deps: Deps): Promise<void> {
  const connection = await resolveConnection(opts, deps);
  const username = await askUsername(opts, deps);
  const password = await askPassword(opts, deps, true);
  const api = deps.api({ serverUrl: connection.serverUrl, ca: connection.ca });

  const account = await api.register(username, password);
  deps.reporter.step('registered', { username: account.username, server: connection.serverUrl }, `Registered ${account.username} at ${connection.serverUrl}`);
  const login = await api.login(username, password);
  const authed = await storeLogin(deps, connection, login);
  const identity = await createAndUploadIdentity(deps, authed, login.user.username);
  await ensureDeliveryKey(deps, authed, login.user.username, identity);
  deps.reporter.result(
    'identity',
    { username: login.user.username, server: connection.serverUrl, fingerprint: identity.fingerprint },
    `Logged in as ${login.user.username}. Identity key ${formatFingerprint(identity.fingerprint)}`,
  );
}
