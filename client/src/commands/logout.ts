/** `sft logout`: revoke the token on the server, then forget it locally. */
import { ApiError } from '../api/api-error';
import { resolveConnection } from './connection';
import type { Deps, GlobalOptions } from './deps';

export async function logout(opts: GlobalOptions, deps: Deps): Promise<void> {
  const connection = await resolveConnection(opts, deps);
  const credentials = await deps.state.credentials.get(connection.serverUrl);
  if (!credentials) {
    deps.reporter.result('logout', { server: connection.serverUrl, wasLoggedIn: false }, `Not logged in to ${connection.serverUrl}.`);
    return;
  }
  try {
    await deps.api({ serverUrl: connection.serverUrl, ca: connection.ca, token: credentials.token }).logout();
  } catch (error) {
    // A token the server no longer accepts is as good as revoked; anything else keeps it for a retry.
    if (!(error instanceof ApiError && error.status === 401)) throw error;
  }
  await deps.state.credentials.delete(connection.serverUrl);
  deps.reporter.result(
    'logout',
    { server: connection.serverUrl, username: credentials.username, wasLoggedIn: true },
    `Logged out ${credentials.username} from ${connection.serverUrl}.`,
  );
}
