/**
 * The usual end-to-end setup in one place: a real `sft server` (SQLite, fresh CA) and registered users,
 * each with their own SFT_HOME, plus one stop() that removes it all.
 */
import { SftUser, startSftServer, type SftServer } from './sft-process';

export interface ServerWithUsers {
  server: SftServer;
  /** Registered users, in the order of the names asked for. */
  users: SftUser[];
  stop(): Promise<void>;
}

/** Starts a server (with extra `env`) and registers `names` (default alice and bob) on it through the real CLI. */
export async function startServerWithUsers(names: string[] = ['alice', 'bob'], env: NodeJS.ProcessEnv = {}): Promise<ServerWithUsers> {
  const server = await startSftServer(env);
  const users = await Promise.all(names.map((name) => SftUser.create(name, server)));
  const stop = async () => {
    await server.stop();
    await Promise.all(users.map((user) => user.cleanUp()));
  };
  try {
    await Promise.all(users.map((user) => user.register()));
  } catch (error) {
    await stop();
    throw error;
  }
  return { server, users, stop };
}
