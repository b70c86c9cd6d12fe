/** Small helpers of the resume tests (issue 14): a free loopback port, a session as `sft sessions --json` shows it. */
import { createServer, type AddressInfo } from 'node:net';
import { expectExit, type SftUser } from './sft-process';

/** A loopback port nobody listens on right now (bound and released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The row of session `id` in `user`'s `sft sessions --json`. */
export async function sessionState(user: SftUser, id: string): Promise<Record<string, unknown> | undefined> {
  const listed = expectExit(await user.run(['sessions', '--json']), 0);
  const rows = listed.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  return rows.find((row) => row.event === 'session' && row.id === id);
}
