/** Where sft keeps its state: $SFT_HOME, else ~/.config/sft. */
import * as os from 'node:os';
import * as path from 'node:path';

export function resolveSftHome(env: NodeJS.ProcessEnv): string {
  const configured = env.SFT_HOME?.trim();
  if (configured) return path.resolve(configured);
  return path.join(os.homedir(), '.config', 'sft');
}

/** The key under which per-server state is stored: the URL's origin (`https://host:port`). */
export function serverKey(serverUrl: string): string {
  return new URL(serverUrl).origin;
}
