/**
 * `sft demo [--keep]`: the whole flow on embedded defaults, in one process and a temp dir:
 * a server on a free loopback port (SQLite, self-made CA), two users alice and bob with their own
 * SFT_HOMEs, a few MiB of random bytes sent from alice to bob directly, verified end to end.
 * Exits 0 only when bob's copy is byte-exact and the server says the session is `completed`.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { ApiClient } from '../api/api-client';
import { ExitCode, ExitError } from '../errors';
import { Reporter } from '../report/reporter';
import { StateStore } from '../state/state-store';
import type { Deps, GlobalOptions } from './deps';
import { filesEqual, writeRandomFile } from './demo-files';
import { hostSession } from './host-session';
import { join } from './join';
import { loadServer } from './load-server';
import { register } from './register';

export interface DemoOptions extends GlobalOptions {
  keep?: boolean;
}

const SAMPLE_BYTES = 4 * 1024 * 1024;

export async function demo(opts: DemoOptions, deps: Deps): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sft-demo-'));
  const say = (event: string, data: Record<string, unknown>, text: string) => deps.reporter.step(event, data, `[demo] ${text}`);
  say('demo-dir', { dir }, `Working in ${dir}`);
  const { startServer } = await loadServer();
  const running = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir: path.join(dir, 'server'),
    dbUrl: `sqlite:${path.join(dir, 'server', 'sft.sqlite')}`,
    quiet: true,
    env: {},
  });
  try {
    say('server', { url: running.url, caCertificate: running.caCertPath }, `Server listening on ${running.url} (SQLite, CA ${running.caCertPath})`);
    if (!running.caCertPath) throw new ExitError(ExitCode.Failure, 'The demo server made no CA certificate.');
    const caCertPath = running.caCertPath;
    const globals = { server: running.url, ca: caCertPath, json: opts.json };
    const alice = userDeps('alice', dir, deps);
    const bob = userDeps('bob', dir, deps);

    for (const user of [alice, bob]) {
      say('register', { user: user.name }, `Registering ${user.name} with a random password`);
      await register({ ...globals, username: user.name, passwordStdin: true }, user.depsWithStdin(randomBytes(18).toString('base64url')));
    }

    const sample = path.join(dir, 'alice', 'outbox', 'sample.bin');
    await writeRandomFile(sample, SAMPLE_BYTES);
    say('sample', { file: sample, bytes: SAMPLE_BYTES }, `Made ${sample} (${SAMPLE_BYTES / 1024 / 1024} MiB of random bytes)`);

    const inbox = path.join(dir, 'bob', 'inbox');
    await fs.mkdir(inbox, { recursive: true });
    say('host', {}, 'alice hosts a session for bob; bob joins it');
    const hosting = hostSession({ ...globals, files: [sample], to: 'bob', listen: { host: '127.0.0.1', port: 0 } }, alice.deps);
    const joining = alice.sessionId.then((id) => join({ ...globals, id, out: inbox }, bob.deps));
    await Promise.all([hosting, joining]);

    const received = path.join(inbox, 'sample.bin');
    const exact = await filesEqual(sample, received);
    say('compare', { exact }, exact ? 'bob\'s copy is byte-for-byte identical to alice\'s file' : 'bob\'s copy DIFFERS from alice\'s file');
    const id = await alice.sessionId;
    const session = await (await alice.api(globals.server, caCertPath)).getSession(id);
    say('session-state', { id, state: session.state }, `The server says session ${id} is ${session.state}`);
    if (!exact) throw new ExitError(ExitCode.Integrity, 'The demo transfer was not byte-exact.');
    if (session.state !== 'completed') throw new ExitError(ExitCode.Failure, `The demo session ended ${session.state}, not completed.`);
    deps.reporter.result('demo', { ok: true, id, bytes: SAMPLE_BYTES }, `Demo OK: ${SAMPLE_BYTES} bytes moved directly from alice to bob and verified.`);
  } finally {
    await running.close();
    if (opts.keep) say('kept', { dir }, `Kept ${dir}`);
    else await fs.rm(dir, { recursive: true, force: true });
  }
}

/** One demo user: their own SFT_HOME and a reporter that prefixes their name and catches the session id. */
function userDeps(name: string, dir: string, parent: Deps) {
  let resolveId: (id: string) => void = () => undefined;
  const sessionId = new Promise<string>((resolve) => (resolveId = resolve));
  const reporter = new Reporter({
    mode: parent.reporter.mode === 'json' ? 'json' : 'plain',
    stdout: process.stdout,
    stderr: process.stderr,
    prefix: `[${name}] `,
    context: { actor: name },
    listener: (event, data) => {
      if (event === 'session' && typeof data.id === 'string') resolveId(data.id);
    },
  });
  const state = new StateStore(path.join(dir, name, 'home'));
  const deps: Deps = { ...parent, reporter, state, env: {}, cwd: path.join(dir, name) };
  return {
    name,
    deps,
    sessionId,
    depsWithStdin: (password: string): Deps => ({ ...deps, stdin: Readable.from([`${password}\n`]) }),
    api: async (serverUrl: string, ca?: string) => {
      const credentials = await state.credentials.get(serverUrl);
      return new ApiClient({ serverUrl, ca: ca ? await fs.readFile(ca, 'utf8') : undefined, token: credentials?.token });
    },
  };
}
