/**
 * Spawns a measured Node child process: collects its `--json` events (one JSON object per stdout line)
 * with arrival times, keeps the tail of stderr, and tracks its peak RSS two ways — polling VmHWM in
 * /proc/<pid>/status, and getrusage maxRSS written at exit by the preloaded rss-probe — taking the larger;
 * the probe also reports the CPU seconds the process used.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { RSS_PROBE } from './paths';

const RSS_POLL_MS = 50;
const STDERR_TAIL = 2000;
const STDOUT_KEEP = 64 * 1024;

export interface TimedEvent {
  /** performance.now() when the line arrived. */
  at: number;
  event: Record<string, unknown>;
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() when the process exited. */
  endedAt: number;
  /** Peak resident set size in bytes (0 when neither method saw it). */
  peakRssBytes: number;
  /** CPU seconds (user + system) the process used, from the rss-probe (0 without one). */
  cpuSeconds: number;
  stderrTail: string;
  /** The last 64 KiB of stdout. */
  stdoutText: string;
}

export interface SpawnOptions {
  /** The whole environment of the child (default: this process's). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to stdin, which is then closed. */
  stdin?: string;
  /** Killed (SIGKILL) after this long. */
  timeoutMs: number;
  /** A file the rss-probe may write (must be in a scratch dir). */
  rssFile?: string;
}

export class MeasuredChild {
  readonly startedAt = performance.now();
  readonly events: TimedEvent[] = [];
  readonly exited: Promise<ChildResult>;
  private readonly proc: ChildProcess;
  private readonly waiters = new Set<() => void>();
  private polledPeak = 0;
  private stdoutText = '';
  private stderrText = '';
  private ended = false;

  constructor(
    readonly label: string,
    nodeArgs: string[],
    options: SpawnOptions,
  ) {
    const env = { ...(options.env ?? process.env), ...(options.rssFile ? { SFT_BENCH_RSS_OUT: options.rssFile } : {}) };
    this.proc = spawn(process.execPath, ['--require', RSS_PROBE, ...nodeArgs], { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdin?.end(options.stdin ?? '');
    this.proc.stdin?.on('error', () => undefined);
    createInterface({ input: this.proc.stdout! }).on('line', (line) => this.onLine(line));
    this.proc.stderr!.on('data', (chunk: Buffer) => {
      this.stderrText = (this.stderrText + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    const poll = setInterval(() => this.pollRss(), RSS_POLL_MS);
    const killer = setTimeout(() => this.proc.kill('SIGKILL'), options.timeoutMs);
    this.exited = new Promise((resolve, reject) => {
      this.proc.on('error', reject);
      this.proc.on('close', (code, signal) => {
        const endedAt = performance.now();
        this.ended = true;
        clearInterval(poll);
        clearTimeout(killer);
        this.wake();
        const probe = options.rssFile ? readProbe(options.rssFile) : { maxRss: 0, cpuSeconds: 0 };
        resolve({
          code,
          signal,
          endedAt,
          peakRssBytes: Math.max(this.polledPeak, probe.maxRss),
          cpuSeconds: probe.cpuSeconds,
          stderrTail: this.stderrText.trim(),
          stdoutText: this.stdoutText,
        });
      });
    });
  }

  /** Resolves with the first event (already seen or future) that matches; rejects if the process ends first or on timeout. */
  async waitForEvent(match: (event: Record<string, unknown>) => boolean, timeoutMs: number): Promise<TimedEvent> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = this.events.find((e) => match(e.event));
      if (found) return found;
      if (this.ended) throw new Error(`${this.label} exited before the expected event: ${this.stderrText.trim().split('\n').slice(-2).join(' / ')}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${this.label}: timed out waiting for an event`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Stops the process (SIGTERM) if it is still running. */
  stop(): void {
    if (!this.ended) this.proc.kill('SIGTERM');
  }

  private onLine(line: string): void {
    this.stdoutText = (this.stdoutText + `${line}\n`).slice(-STDOUT_KEEP);
    const at = performance.now();
    try {
      const event = JSON.parse(line) as unknown;
      if (event && typeof event === 'object') this.events.push({ at, event: event as Record<string, unknown> });
    } catch {
      // Not a JSON event line: kept in stdoutText only.
    }
    this.wake();
  }

  private wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  private pollRss(): void {
    if (this.ended || this.proc.pid === undefined) return;
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.proc.pid}/status`, 'utf8'));
      if (match) this.polledPeak = Math.max(this.polledPeak, Number(match[1]) * 1024);
    } catch {
      // Not Linux, or the process just ended.
    }
  }
}

/** When either child fails, stops the other, so a run never waits for a peer that cannot finish. */
export function stopTogether(a: MeasuredChild, b: MeasuredChild): void {
  void a.exited.then((r) => r.code !== 0 && b.stop(), () => b.stop());
  void b.exited.then((r) => r.code !== 0 && a.stop(), () => a.stop());
}

/** Throws for the first child that did not exit 0, preferring one that failed by itself over one that was stopped. */
export function assertAllExitedCleanly(...runs: [string, ChildResult][]): void {
  const failedAlone = runs.find(([, r]) => r.code !== 0 && r.signal === null);
  if (failedAlone) assertExitedCleanly(...failedAlone);
  for (const run of runs) assertExitedCleanly(...run);
}

/** Throws a one-line error unless the child exited 0. */
export function assertExitedCleanly(label: string, result: ChildResult): void {
  if (result.code === 0) return;
  const why = result.signal ? `was killed (${result.signal}; timeout?)` : `exited ${result.code}`;
  const detail = result.stderrTail.split('\n').slice(-2).join(' / ');
  throw new Error(`${label} ${why}${detail ? `: ${detail}` : ''}`);
}

function readProbe(file: string): { maxRss: number; cpuSeconds: number } {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as { maxRss?: unknown; cpuSeconds?: unknown };
    rmSync(file, { force: true });
    const finite = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
    return { maxRss: finite(value.maxRss), cpuSeconds: finite(value.cpuSeconds) };
  } catch {
    return { maxRss: 0, cpuSeconds: 0 };
  }
}
