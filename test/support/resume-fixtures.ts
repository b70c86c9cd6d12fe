/**
 * Helpers of the resume tests (issue 14): a host and joiner linked through a TCP proxy, a receiver killed at an exact partial size, a session as `sft sessions --json` shows it.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from './free-port';
import { expectExit, type SftProcess, type SftUser } from './sft-process';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';
import { startServerWithUsers, type ServerWithUsers } from './two-users';

/** What a resume test file works with; set before its first test runs. */
export interface ProxiedWorld {
  world: ServerWithUsers;
  alice: SftUser;
  bob: SftUser;
  pair: ProxiedPair;
}

/**
 * For a test file: a server with alice and bob and their ProxiedPair, started before the file's tests and
 * stopped (proxies first) after them. Read the fields inside tests or hooks, once they are set.
 */
export function useProxiedWorld(): ProxiedWorld {
  const state = {} as ProxiedWorld;
  beforeAll(async () => {
    state.world = await startServerWithUsers(['alice', 'bob']);
    [state.alice, state.bob] = state.world.users;
    state.pair = new ProxiedPair(state.alice, state.bob);
  });
  afterAll(async () => {
    await state.pair?.stop();
    await state.world?.stop();
  });
  return state;
}

/** The row of session `id` in `user`'s `sft sessions --json`. */
export async function sessionState(user: SftUser, id: string): Promise<Record<string, unknown> | undefined> {
  const listed = expectExit(await user.run(['sessions', '--json']), 0);
  const rows = listed.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  return rows.find((row) => row.event === 'session' && row.id === id);
}

/** A host (alice) and a joiner (bob) whose direct link crosses a TCP proxy the test controls (issue 14). */
export class ProxiedPair {
  private readonly proxies: TcpProxy[] = [];

  constructor(
    readonly host: SftUser,
    readonly joiner: SftUser,
  ) {}

  /** The host offers `files` (or `--receive`) to the joiner through a fresh proxy; `--relay never` keeps the relay out. */
  async hostThroughProxy(files: string[], extra: string[] = []): Promise<{ host: SftProcess; proxy: TcpProxy; id: string }> {
    const port = await freePort();
    const proxy = await startTcpProxy('127.0.0.1', port);
    this.proxies.push(proxy);
    const host = this.host.spawn([
      'host-session', ...files, '--to', this.joiner.name, '--listen', `127.0.0.1:${port}`, '--advertise', `127.0.0.1:${proxy.port}`, '--relay', 'never', ...extra,
    ]);
    return { host, proxy, id: await host.sessionId() };
  }

  /** The joiner receives session `id` into `out`. */
  join(id: string, out: string, extra: string[] = []): SftProcess {
    return this.joiner.spawn(['join', id, '--out', out, '--relay', 'never', ...extra]);
  }

  async stop(): Promise<void> {
    await Promise.all(this.proxies.map((proxy) => proxy.stop()));
  }
}

/** SIGKILLs `receiver` once a partial file in `outDir` holds more than `bytes`. */
export async function killWhenPartialPasses(receiver: SftProcess, outDir: string, bytes: number): Promise<void> {
  for (;;) {
    const names = await fs.readdir(outDir).catch(() => [] as string[]);
    const sizes = await Promise.all(names.filter((name) => name.endsWith('.part')).map((name) => fs.stat(path.join(outDir, name)).then((s) => s.size, () => 0)));
    if (sizes.some((size) => size > bytes)) break;
    if (receiver.child.exitCode !== null) throw new Error(`The receiver ended first.\n${receiver.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  receiver.kill('SIGKILL');
  await receiver.done;
}
