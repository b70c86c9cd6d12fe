/**
 * magic-wormhole over its own mailbox server and transit relay, both started by the bench on free
 * 127.0.0.1 ports in a scratch dir (Debian packages magic-wormhole, python3-magic-wormhole-mailbox-server,
 * magic-wormhole-transit-relay; the bench never installs them). The servers are the packages' twistd
 * plugins, run with the Python of the `wormhole` script, so all three come from the same installation.
 * Each copy runs `wormhole send` and `wormhole receive --accept-file` at once with a fresh code; each
 * side runs under a small Python wrapper that reports its CPU seconds and peak RSS (getrusage of children).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sha256OfFile } from '../lib/files';
import { freePort, waitForPort, which } from '../lib/loopback';

/** The wormhole command (default `wormhole` on PATH); `SFT_BENCH_WORMHOLE=/nonexistent` shows the skip path. */
const WORMHOLE = process.env.SFT_BENCH_WORMHOLE || 'wormhole';
const TAIL = 300;
/** getrusage(RUSAGE_CHILDREN) after the tool exits: CPU seconds and max RSS (KiB on Linux) of that side. */
const RUSAGE_WRAPPER = [
  'import resource, subprocess, sys',
  'rc = subprocess.call(sys.argv[2:])',
  'u = resource.getrusage(resource.RUSAGE_CHILDREN)',
  "open(sys.argv[1], 'w').write('%f %d' % (u.ru_utime + u.ru_stime, u.ru_maxrss))",
  'sys.exit(rc)',
].join('\n');

export interface WormholeCopy {
  seconds: number;
  senderCpuSeconds: number | null;
  receiverCpuSeconds: number | null;
  senderPeakRss: number;
  receiverPeakRss: number;
}

/** A started server process and the tail of what it printed. */
interface Server {
  name: string;
  proc: ChildProcess;
  output: string;
  spawnError: string | null;
}

export class WormholeLink {
  private codes = 0;

  private constructor(
    readonly available: boolean,
    /** The SKIPPED row's reason when not available. */
    readonly reason: string,
    private readonly dir: string,
    private readonly python: string,
    private readonly wormhole: string,
    private readonly flags: string[],
    private readonly servers: Server[],
  ) {}

  static async start(dir: string): Promise<WormholeLink> {
    const skipped = (why: string, servers: Server[] = []) => new WormholeLink(false, `magic-wormhole skipped: ${why}`, dir, '', '', [], servers);
    const wormhole = which(WORMHOLE);
    if (!wormhole) return skipped('not installed (Debian packages magic-wormhole, python3-magic-wormhole-mailbox-server, magic-wormhole-transit-relay)');
    const python = interpreterOf(wormhole);
    if (!python) return skipped(`${wormhole} is not a Python script the bench can read`);
    const servers: Server[] = [];
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const [mailboxPort, relayPort] = [await freePort(), await freePort()];
      const twistd = (name: string, plugin: string[]) => startServer(name, python, dir, plugin);
      servers.push(twistd('mailbox server', ['wormhole-mailbox', `--port=tcp:${mailboxPort}:interface=127.0.0.1`, `--channel-db=${join(dir, 'channel.sqlite')}`]));
      servers.push(twistd('transit relay', ['transitrelay', `--port=tcp:${relayPort}:interface=127.0.0.1`]));
      await waitForPort(mailboxPort, 'the mailbox server', () => gaveUp(servers[0]), 300);
      await waitForPort(relayPort, 'the transit relay', () => gaveUp(servers[1]), 300);
      const flags = ['--relay-url', `ws://127.0.0.1:${mailboxPort}/v1`, '--transit-helper', `tcp:127.0.0.1:${relayPort}`];
      return new WormholeLink(true, '', dir, python, wormhole, flags, servers);
    } catch (error) {
      const link = skipped(`installed, but its local servers did not start (${(error as Error).message.split('\n')[0].slice(0, TAIL)})`, servers);
      await link.stop();
      return link;
    }
  }

  /** Copies `input` to `out` (send and receive at once); seconds from spawning both to both exited. Checks size (and SHA-256 with `digest`), then deletes `out`. */
  async copy(input: string, out: string, digest: string | null, timeoutMs: number): Promise<WormholeCopy> {
    const code = `${++this.codes}-bench-${randomBytes(8).toString('hex')}`;
    const started = performance.now();
    // When one side fails the other would wait for its peer until the timeout: stop it at once.
    const stopBoth = new AbortController();
    const side = (name: string, args: string[]) => this.side(name, args, timeoutMs, stopBoth.signal).catch((error: unknown) => {
      stopBoth.abort();
      throw error;
    });
    try {
      const [sent, received] = await Promise.all([
        side('send', ['send', '--hide-progress', '--code', code, input]),
        side('receive', ['receive', '--hide-progress', '--accept-file', '--output-file', out, code]),
      ]);
      const seconds = (performance.now() - started) / 1000;
      const expected = statSync(input).size;
      const got = existsSync(out) ? statSync(out).size : -1;
      if (got !== expected) throw new Error(`wormhole receive wrote ${got} bytes of ${expected}`);
      if (digest && (await sha256OfFile(out)) !== digest) throw new Error('wormhole output differs from the input');
      return { seconds, senderCpuSeconds: sent.cpu, receiverCpuSeconds: received.cpu, senderPeakRss: sent.peakRss, receiverPeakRss: received.peakRss };
    } finally {
      rmSync(out, { force: true });
    }
  }

  /** Stops the servers this link started. */
  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => stopProcess(s.proc)));
  }

  /** One side under the rusage wrapper, in a process group of its own so a kill reaches wormhole too. */
  private async side(name: string, args: string[], timeoutMs: number, stop: AbortSignal): Promise<{ cpu: number | null; peakRss: number }> {
    const usageFile = join(this.dir, `rusage-${name}-${this.codes}`);
    let output = '';
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(this.python, ['-c', RUSAGE_WRAPPER, usageFile, this.wormhole, ...this.flags, ...args], { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-TAIL));
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      const killGroup = () => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      };
      const timer = setTimeout(killGroup, timeoutMs);
      stop.addEventListener('abort', killGroup);
      child.on('error', reject);
      child.on('close', (c) => {
        clearTimeout(timer);
        stop.removeEventListener('abort', killGroup);
        resolve(c);
      });
    });
    try {
      if (code !== 0) throw new Error(`wormhole ${name} exited ${code}: ${output.trim().split('\n').pop() ?? ''}`);
      const [cpu, maxRssKiB] = readFileSync(usageFile, 'utf8').split(' ').map(Number);
      return { cpu: Number.isFinite(cpu) ? cpu : null, peakRss: Number.isFinite(maxRssKiB) ? maxRssKiB * 1024 : 0 };
    } finally {
      rmSync(usageFile, { force: true });
    }
  }
}

/** The interpreter named by a script's `#!` line when it is a Python, else null. */
function interpreterOf(script: string): string | null {
  try {
    const first = readFileSync(script, 'utf8').slice(0, 200).split('\n')[0];
    const match = /^#!\s*(\S*python[\d.]*)\s*$/.exec(first);
    return match ? match[1] : null;
  } catch {
    return null;
  }
}

/** `python -m twisted <plugin>` (twist: always in the foreground) in `dir`, logging to a file there. */
function startServer(name: string, python: string, dir: string, plugin: string[]): Server {
  const args = ['-m', 'twisted', `--log-file=${join(dir, `${plugin[0]}.log`)}`, '--log-format=text', ...plugin];
  const proc = spawn(python, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const server: Server = { name, proc, output: '', spawnError: null };
  const keep = (chunk: Buffer) => (server.output = (server.output + chunk.toString('utf8')).slice(-TAIL));
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  proc.on('error', (error) => (server.spawnError = error.message));
  return server;
}

function gaveUp(server: Server): string | null {
  if (server.spawnError) return `could not be spawned: ${server.spawnError}`;
  if (server.proc.exitCode === null && server.proc.signalCode === null) return null;
  const first = server.output.trim().split('\n')[0] ?? '';
  return `exited ${server.proc.exitCode ?? server.proc.signalCode}${first ? `: ${first}` : ''}`;
}

async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
  const closed = new Promise((resolve) => proc.once('close', resolve));
  proc.kill('SIGTERM');
  const killer = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await closed;
  clearTimeout(killer);
}
