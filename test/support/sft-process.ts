/**
 * End-to-end helpers: run the real `sft` CLI (`node bin/sft.js`, built into dist/) as child processes
 * with their own SFT_HOME, start a real `sft server` on a loopback port (restartable on the same port when asked),
 * watch a receiver's output directory, and collect output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './free-port';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
const SFT_BIN = path.join(REPO_ROOT, 'bin', 'sft.js');
const BUILT_ENTRY = path.join(REPO_ROOT, 'dist', 'client', 'src', 'main.js');

export interface SftResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SftOptions {
  home?: string;
  cwd?: string;
  stdin?: string;
  env?: NodeJS.ProcessEnv;
}

/** A running `sft` process whose output is collected as it arrives. */
export class SftProcess {
  stdout = '';
  stderr = '';
  readonly done: Promise<SftResult>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.done = new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }));
    });
  }

  /** Resolves with the first match of `pattern` on stdout; rejects if the process ends first. */
  waitForStdout(pattern: RegExp): Promise<RegExpMatchArray> {
    return this.waitFor('stdout', pattern);
  }

  /** Resolves with the first match of `pattern` on stderr; rejects if the process ends first. */
  waitForStderr(pattern: RegExp): Promise<RegExpMatchArray> {
    return this.waitFor('stderr', pattern);
  }

  private waitFor(which: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpMatchArray> {
    const stream = this.child[which];
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = this[which].match(pattern);
        if (match) {
          stream?.off('data', check);
          resolve(match);
        }
      };
      stream?.on('data', check);
      check();
      void this.done.then((result) => {
        const match = this[which].match(pattern);
        if (match) resolve(match);
        else reject(new Error(`sft exited (${result.code}) before printing ${pattern}.\nstdout: ${result.stdout}\nstderr: ${result.stderr}`));
      });
    });
  }

  /** Waits for the session id line a `host-session` prints. */
  async sessionId(): Promise<string> {
    const match = await this.waitForStdout(/^(\{"event":"session".*\}|[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})$/m);
    return match[1].startsWith('{') ? (JSON.parse(match[1]) as { id: string }).id : match[1];
  }

  kill(signal: NodeJS.Signals = 'SIGINT'): void {
    this.child.kill(signal);
  }
}

/** Starts `node bin/sft.js ARGS`. */
export function spawnSft(args: string[], options: SftOptions = {}): SftProcess {
  if (!existsSync(BUILT_ENTRY)) throw new Error('The CLI is not built: run `npm run build` (npm test does it first).');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env };
  if (options.home) env.SFT_HOME = options.home;
  const child = spawn(process.execPath, [SFT_BIN, ...args], { cwd: options.cwd ?? REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin?.end(options.stdin ?? '');
  return new SftProcess(child);
}

/** Runs `sft ARGS` to the end. */
export function runSft(args: string[], options: SftOptions = {}): Promise<SftResult> {
  return spawnSft(args, options).done;
}

export interface SftServer {
  url: string;
  caCertPath: string;
  dataDir: string;
  process: SftProcess;
  stop(): Promise<void>;
}

export interface SftServerOptions {
  /** Environment besides the raised login limits every test server gets. */
  env?: NodeJS.ProcessEnv;
  /** What follows `server --host 127.0.0.1 --port P --data-dir D`; default `--relay-port 0`. */
  args?: string[];
}

const TEST_SERVER_ENV: NodeJS.ProcessEnv = { SFT_LOGIN_ADDRESS_LIMIT: '10000', SFT_LOGIN_LIMIT: '1000' };

/** Spawns `sft server` on 127.0.0.1:`port` (0: any free port) with `dataDir`; resolves once it printed its URL and CA. */
export async function launchSftServer(dataDir: string, port: number, options: SftServerOptions = {}): Promise<{ url: string; caCertPath: string; process: SftProcess }> {
  const server = spawnSft(['server', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, ...(options.args ?? ['--relay-port', '0'])], {
    env: { ...TEST_SERVER_ENV, ...options.env },
  });
  const url = (await server.waitForStdout(/^sft server listening on (\S+)$/m))[1];
  const caCertPath = (await server.waitForStdout(/^CA certificate: (.+)$/m))[1];
  return { url, caCertPath, process: server };
}

/** Starts a real `sft server` on 127.0.0.1 with a free port, SQLite (unless `env` names a database) and a fresh CA in a temp dir. */
export async function startSftServer(env: NodeJS.ProcessEnv = {}, args?: string[]): Promise<SftServer> {
  const dataDir = await makeTempDir('sft-e2e-server-');
  const { url, caCertPath, process: server } = await launchSftServer(dataDir, 0, { env, args });
  return {
    url,
    caCertPath,
    dataDir,
    process: server,
    stop: async () => {
      server.kill('SIGTERM');
      await server.done;
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A server on a fixed port and data dir that can be killed and started again; `process` is the current run. */
export interface RestartableSftServer extends SftServer {
  /** SIGKILL: no shutdown hook runs. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data dir; what it printed (the same URL and CA: the CA is kept in the data dir). */
  restart(): Promise<{ url: string; caCertPath: string }>;
}

export async function startRestartableSftServer(options: SftServerOptions = {}): Promise<RestartableSftServer> {
  const dataDir = await makeTempDir('sft-restartable-server-');
  const port = await freePort();
  let current = await launchSftServer(dataDir, port, options);
  return {
    url: current.url,
    caCertPath: current.caCertPath,
    dataDir,
    get process() {
      return current.process;
    },
    kill: async () => {
      current.process.kill('SIGKILL');
      await current.process.done;
    },
    restart: async () => {
      current = await launchSftServer(dataDir, port, options);
      return { url: current.url, caCertPath: current.caCertPath };
    },
    stop: async () => {
      current.process.kill('SIGTERM');
      await current.process.done;
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A user with their own SFT_HOME and working directory, talking to `server`. */
export class SftUser {
  readonly password = randomBytes(12).toString('base64url');

  constructor(
    readonly name: string,
    readonly home: string,
    readonly dir: string,
    readonly server: SftServer,
  ) {}

  static async create(name: string, server: SftServer): Promise<SftUser> {
    const dir = await makeTempDir(`sft-e2e-${name}-`);
    return new SftUser(name, path.join(dir, 'home'), dir, server);
  }

  /** Global flags that point at the server and trust its CA. */
  get globals(): string[] {
    return ['--server', this.server.url, '--ca', this.server.caCertPath];
  }

  spawn(args: string[], options: Omit<SftOptions, 'home'> = {}): SftProcess {
    return spawnSft([...args, ...this.globals], { home: this.home, cwd: this.dir, ...options });
  }

  run(args: string[], options: Omit<SftOptions, 'home'> = {}): Promise<SftResult> {
    return this.spawn(args, options).done;
  }

  async register(): Promise<SftResult> {
    return expectExit(await this.run(['register', '--username', this.name, '--password-stdin'], { stdin: `${this.password}\n` }), 0);
  }

  async cleanUp(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}

/** Throws with the collected output unless the process exited with `code`. */
export function expectExit(result: SftResult, code: number): SftResult {
  if (result.code !== code) {
    throw new Error(`sft exited ${result.code} (${result.signal ?? 'no signal'}), expected ${code}.\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  }
  return result;
}

export function makeTempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** A receiver's temp file (`.sft-<24 hex>.part`), not its resume sidecar. */
const TEMP_FILE_NAME = /^\.sft-[0-9a-f]{24}\.part$/;

/** Resolves with the name of the first temp file in `dir` that holds a byte (a receiver is really writing); throws if `until` settles first. */
export async function partialFileAppears(dir: string, until: Promise<unknown>): Promise<string> {
  let ended = false;
  void until.finally(() => (ended = true));
  while (!ended) {
    for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
      if (!TEMP_FILE_NAME.test(name)) continue;
      if (((await fs.stat(path.join(dir, name)).catch(() => null))?.size ?? 0) > 0) return name;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('The receiver ended before writing anything.');
}

/** Streams a file through SHA-256. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Writes `size` random bytes, 1 MiB at a time. */
export async function writeRandomFile(file: string, size: number): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const handle = await fs.open(file, 'w');
  try {
    const chunk = 1024 * 1024;
    for (let done = 0; done < size; done += chunk) await handle.write(randomBytes(Math.min(chunk, size - done)));
  } finally {
    await handle.close();
  }
}
