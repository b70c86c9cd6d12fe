/** `sft whoami`: the logged-in user, the server, and the identity key fingerprint. */
import { formatFingerprint } from '../../../certs/src/fingerprint';
import { requireLogin } from './connection';
import type { Deps, GlobalOptions } from './deps';

export async function whoami(opts: GlobalOptions, deps: Deps): Promise<void> {
  const { connection, api } = await requireLogin(opts, deps);
  const me = await api.me();
  const identity = await deps.state.identities.get(connection.serverUrl, me.username);
  const fingerprint = identity?.fingerprint ?? null;
  if (identity && me.signingKey !== identity.publicKey) {
    deps.reporter.warn('The server holds a different identity key than this machine. Run `sft login` to upload this one.');
  }
  deps.reporter.result('whoami', { username: me.username, server: connection.serverUrl, fingerprint }, [
    me.username,
    `server: ${connection.serverUrl}`,
    `identity key: ${fingerprint ? formatFingerprint(fingerprint) : 'none on this machine'}`,
  ]);
}
