/**
 * Sections "transfer", "memory" and "scp", which share generated files: for each file size, the file is
 * made once, then each round copies it with the tuned raw TLS copy (the ceiling), the default-streams
 * raw TLS copy, scp (default cipher and aes256-gcm), rsync (aes256-gcm), magic-wormhole and sft, one after the other, so
 * the ratios compare runs made under the same load. CPU per GiB and peak RSS per side go to section "cost".
 * Also join → first byte, and section "files": 1,000 small files in one sft session.
 */
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import type { BenchConfig } from '../lib/config';
import { countFiles, freeBytes, scratchDir, sha256OfFile, syncPath, writeManySmallFiles, writeRandomFile } from '../lib/files';
import { prepareRawTls, rawTlsTransfer, type RawTlsRun } from '../lib/raw-tls';
import type { Results } from '../lib/results';
import { registerUser, sftTransfer, startSftServer, type SftServer, type SftTransferRun, type SftUser } from '../lib/sft-cli';
import { log } from '../lib/log';
import { formatSize, GiB, MiB } from '../lib/stats';
import { SshLink, SSH_GCM, type SshTool } from './scp';
import { WormholeLink } from './wormhole';
import type { CopyMode } from '../raw-tls/link-files';

const DISK_FACTOR = 3;

interface Context {
  config: BenchConfig;
  results: Results;
  scratch: string;
  alice: SftUser | null;
  bob: SftUser | null;
  setupError: unknown;
}

export async function runTransferSections(config: BenchConfig, results: Results): Promise<void> {
  const scratch = scratchDir('transfer');
  let server: SftServer | null = null;
  const ctx: Context = { config, results, scratch, alice: null, bob: null, setupError: null };
  try {
    try {
      log('  starting sft server, registering alice and bob');
      server = await startSftServer(join(scratch, 'server'));
      ctx.alice = await registerUser(server, join(scratch, 'homes'), 'alice');
      ctx.bob = await registerUser(server, join(scratch, 'homes'), 'bob');
    } catch (error) {
      ctx.setupError = error;
    }
    const certDir = join(scratch, 'certs');
    mkdirSync(certDir, { mode: 0o700 });
    await prepareRawTls(certDir);
    const ssh = config.sections.has('scp') ? await SshLink.start(join(scratch, 'ssh')) : null;
    if (ssh && !ssh.available) results.skip('scp', `scp ${formatSize(config.transferSize)}`, ssh.reason);
    if (ssh?.available && ssh.rsyncMissing) results.skip('scp', `rsync ${formatSize(config.transferSize)}`, ssh.rsyncMissing);
    const wormhole = config.sections.has('scp') ? await WormholeLink.start(join(scratch, 'wormhole')) : null;
    if (wormhole && !wormhole.available) results.skip('scp', `magic-wormhole ${formatSize(config.transferSize)}`, wormhole.reason);

    try {
      const tools: OtherTools = { ssh: ssh?.available ? ssh : null, wormhole: wormhole?.available ? wormhole : null };
      for (const size of sizesToMeasure(config)) await measureSize(ctx, size, certDir, tools);
      if (config.sections.has('files')) await measureSmallFiles(ctx);
    } finally {
      await ssh?.stop();
      await wormhole?.stop();
    }
  } finally {
    await server?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

function sizesToMeasure(config: BenchConfig): number[] {
  const sizes = new Set<number>();
  if (config.sections.has('transfer') || config.sections.has('scp')) sizes.add(config.transferSize);
  if (config.sections.has('memory')) for (const s of config.memorySizes) sizes.add(s);
  return [...sizes].sort((a, b) => a - b);
}

/** One copy by one tool, as the per-side cost rows need it. */
interface CopyRun {
  seconds: number;
  senderCpuSeconds: number | null;
  receiverCpuSeconds: number | null;
  senderPeakRss: number;
  receiverPeakRss: number;
}

/** The third-party tools that started (null: missing or skipped). */
interface OtherTools {
  ssh: SshLink | null;
  wormhole: WormholeLink | null;
}

/** The tools compared at the transfer size, in the order each round runs them (interleaved, so drift hits all). */
interface Contender {
  label: string;
  section: 'transfer' | 'scp';
  note: string;
  /** Set for an optional third-party tool: its failure is a SKIPPED row with this prefix, not an error. */
  skipPrefix?: string;
  run(verify: boolean): Promise<CopyRun>;
}

async function measureSize(ctx: Context, size: number, certDir: string, tools: OtherTools): Promise<void> {
  const { config, results, scratch } = ctx;
  const label = formatSize(size);
  const isTransferSize = size === config.transferSize;
  const wantsMemory = config.sections.has('memory') && config.memorySizes.includes(size);
  const free = freeBytes(scratch);
  if (free < DISK_FACTOR * size) {
    const why = `skipped ${label}: ${formatSize(free)} free in ${scratch}, need ${DISK_FACTOR}× the file size`;
    if (isTransferSize) results.skip('transfer', `sft ${label}`, why);
    if (wantsMemory) results.skip('memory', `peak RSS ${label}`, why);
    return;
  }
  const input = join(scratch, `input-${size}.bin`);
  const timeoutMs = Math.max(120_000, (size / MiB) * 1000); // ≥ 1 MiB/s, or the run is treated as hung
  try {
    log(`  ${label}: writing the input file`);
    const digest = await writeRandomFile(input, size);
    const sft: SftTransferRun[] = [];
    const others = isTransferSize ? contenders(ctx, certDir, tools, input, timeoutMs, digest) : [];
    const runs = new Map<Contender, CopyRun[]>(others.map((c) => [c, []]));
    const errors = new Map<Contender, unknown>();
    let sftError: unknown = ctx.setupError;
    for (let run = 0; run < config.runs; run++) {
      log(`  ${label}: run ${run + 1} of ${config.runs}`);
      const verify = run === 0; // hashing a big output every run would double the bench time
      for (const contender of others) {
        if (errors.has(contender)) continue;
        try {
          runs.get(contender)!.push(await contender.run(verify));
        } catch (error) {
          errors.set(contender, error);
        }
      }
      if (!sftError) {
        try {
          sft.push(await sftRun(ctx, input, size, timeoutMs, verify ? digest : null));
        } catch (error) {
          sftError = error;
        }
      }
    }
    if (isTransferSize && config.sections.has('transfer')) recordSft(results, label, size, sft, sftError);
    for (const contender of others) {
      const error = errors.get(contender);
      if (error && contender.skipPrefix) results.skip(contender.section, contender.label, `${contender.skipPrefix}: ${firstLine(error)}`);
      else if (error) results.fail(contender.section, contender.label, error);
      else results.add(contender.section, contender.label, 'MiB/s', runs.get(contender)!.map((r) => size / MiB / r.seconds), contender.note);
    }
    if (isTransferSize && !sftError) {
      for (const contender of others) {
        const ratio = RATIOS.find((r) => contender.label.startsWith(r.prefix));
        const theirs = runs.get(contender)!;
        if (!ratio || errors.has(contender) || theirs.length !== sft.length) continue;
        results.add(contender.section, `sft / ${ratio.name} ${label}`, '×', sft.map((r, i) => theirs[i].seconds / r.seconds), 'same run, paired by round');
      }
      const relayed = others.find((c) => c.label.startsWith(RELAY_LABEL));
      const relayRuns = relayed && !errors.has(relayed) ? runs.get(relayed)! : [];
      if (relayRuns.length === sft.length) {
        results.add('transfer', `relay / direct ${label}`, '×', sft.map((r, i) => r.seconds / relayRuns[i].seconds), 'sft speed through the relay over direct, same run, paired by round');
      }
      recordCost(results, `sft ${label}`, size, sft);
      for (const contender of others) if (!errors.has(contender)) recordCost(results, contender.label, size, runs.get(contender)!);
    }
    if (wantsMemory) recordMemory(results, label, sft, sftError);
  } catch (error) {
    results.fail('transfer', `files of ${label}`, error);
  } finally {
    rmSync(input, { force: true });
  }
}

/** The ratios the targets read: sft's speed over the tool's, paired run by run. */
const RATIOS = [
  { prefix: 'raw TLS tuned', name: 'tuned TLS' },
  { prefix: `scp ${SSH_GCM}`, name: 'scp aes256-gcm' },
  { prefix: 'magic-wormhole', name: 'magic-wormhole' },
];

function contenders(ctx: Context, certDir: string, { ssh, wormhole }: OtherTools, input: string, timeoutMs: number, digest: string): Contender[] {
  const { config, scratch } = ctx;
  const label = formatSize(config.transferSize);
  const list: Contender[] = [];
  if (config.sections.has('transfer')) {
    const raw = (mode: CopyMode) => (verify: boolean) => rawTlsRun(certDir, input, join(scratch, 'raw-out.bin'), timeoutMs, verify ? digest : null, mode);
    list.push(
      { label: `raw TLS tuned ${label}`, section: 'transfer', note: 'the ceiling: TLS 1.3, 1 MiB reads, 4 MiB write buffers, no app crypto', run: raw('tuned') },
      { label: `raw TLS default streams ${label}`, section: 'transfer', note: "TLS 1.3 with Node's default stream sizes", run: raw('default') },
      {
        label: `${RELAY_LABEL} ${label}`,
        section: 'transfer',
        note: 'host-session and join with --relay only, through the relay sft server started beside itself',
        run: (verify) => sftRun(ctx, input, config.transferSize, timeoutMs, verify ? digest : null, RELAY_ONLY),
      },
    );
  }
  if (ssh) {
    const copy = (tool: SshTool, cipher: string | null) => (verify: boolean) => ssh.copy(tool, cipher, input, join(scratch, `${tool}-out.bin`), verify ? digest : null, timeoutMs);
    list.push(
      { label: `scp default cipher ${label}`, section: 'scp', note: 'loopback sshd, OpenSSH default cipher', run: copy('scp', null) },
      { label: `scp ${SSH_GCM} ${label}`, section: 'scp', note: 'loopback sshd, -c aes256-gcm', run: copy('scp', SSH_GCM) },
    );
    if (!ssh.rsyncMissing) list.push({ label: `rsync ${SSH_GCM} ${label}`, section: 'scp', note: 'rsync --whole-file over ssh -c aes256-gcm', run: copy('rsync', SSH_GCM) });
  }
  if (wormhole) {
    list.push({
      label: `magic-wormhole ${label}`,
      section: 'scp',
      note: 'wormhole send + receive, local mailbox server and transit relay',
      skipPrefix: 'magic-wormhole skipped: a copy failed',
      run: (verify) => wormhole.copy(input, join(scratch, 'wormhole-out.bin'), verify ? digest : null, timeoutMs),
    });
  }
  return list;
}

async function rawTlsRun(certDir: string, input: string, out: string, timeoutMs: number, digest: string | null, mode: CopyMode): Promise<RawTlsRun> {
  try {
    const run = await rawTlsTransfer(certDir, input, out, timeoutMs, mode);
    if (digest && (await sha256OfFile(out)) !== digest) throw new Error('raw TLS output differs from the input');
    return run;
  } finally {
    rmSync(out, { force: true });
  }
}

/** The relayed sft row: both sides forced through the relay, compared with the direct sft runs of the same rounds. */
const RELAY_LABEL = 'sft through the relay';
const RELAY_ONLY = ['--relay', 'only'];

async function sftRun(ctx: Context, input: string, size: number, timeoutMs: number, digest: string | null, pathArgs: string[] = []): Promise<SftTransferRun> {
  const outDir = join(ctx.scratch, 'sft-out');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir);
  try {
    const run = await sftTransfer(ctx.alice!, ctx.bob!, input, outDir, ctx.scratch, timeoutMs, pathArgs);
    const got = countFiles(outDir);
    if (got.files !== 1 || got.bytes !== size) throw new Error(`sft join saved ${got.files} file(s), ${got.bytes} bytes; expected 1 file of ${size}`);
    if (digest && (await sha256OfFile(onlyFile(outDir))) !== digest) throw new Error('sft output differs from the input');
    return run;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

function recordSft(results: Results, label: string, size: number, sft: SftTransferRun[], sftError: unknown): void {
  const mibps = (seconds: number) => size / MiB / seconds;
  if (sftError) {
    results.fail('transfer', `sft ${label}`, sftError);
    return;
  }
  results.add('transfer', `sft ${label}`, 'MiB/s', sft.map((r) => mibps(r.seconds)), 'join spawn → both exited');
  results.add('transfer', `sft ${label} data phase`, 'MiB/s', sft.map((r) => mibps(r.dataSeconds)), '"manifest" event → both exited');
  results.add('transfer', 'join → first byte', 's', sft.map((r) => r.firstByteSeconds), 'join spawn → "manifest" event');
  results.add('transfer', 'join → session joined', 's', sft.map((r) => r.joinedSeconds), 'join spawn → "joined" event; part of the above');
}

/** CPU seconds per GiB and peak RSS of each side of a tool's runs (section "cost"). */
function recordCost(results: Results, tool: string, size: number, runs: CopyRun[]): void {
  const perGiB = (seconds: number | null) => (seconds === null ? NaN : (seconds * GiB) / size);
  for (const side of ['sender', 'receiver'] as const) {
    const cpu = runs.map((r) => perGiB(side === 'sender' ? r.senderCpuSeconds : r.receiverCpuSeconds)).filter((v) => Number.isFinite(v));
    if (cpu.length > 0) results.add('cost', `${tool}: ${side} CPU`, 's/GiB', cpu);
    results.add('cost', `${tool}: ${side} peak RSS`, 'MiB', runs.map((r) => (side === 'sender' ? r.senderPeakRss : r.receiverPeakRss) / MiB));
  }
}

function recordMemory(results: Results, label: string, sft: SftTransferRun[], sftError: unknown): void {
  if (sftError) {
    results.fail('memory', `peak RSS ${label}`, sftError);
    return;
  }
  results.add('memory', `sft sender peak RSS ${label}`, 'MiB', sft.map((r) => r.senderPeakRss / MiB));
  results.add('memory', `sft receiver peak RSS ${label}`, 'MiB', sft.map((r) => r.receiverPeakRss / MiB));
}

async function measureSmallFiles(ctx: Context): Promise<void> {
  const { config, results, scratch } = ctx;
  const { count, size } = config.smallFiles;
  const name = `sft ${count} × ${formatSize(size)} files`;
  if (ctx.setupError) return results.fail('files', name, ctx.setupError);
  const dir = join(scratch, 'small');
  const outDir = join(scratch, 'small-out');
  try {
    log(`  ${count} small files`);
    const total = writeManySmallFiles(dir, count, size);
    results.add('files', `filesystem: create+write+close ${count} × ${formatSize(size)}`, 'files/s', [createFilesRate(join(scratch, 'fs-ceiling'), count, size)], 'a plain synchronous loop in the output disk: the ceiling for any copy tool');
    const runs: SftTransferRun[] = [];
    for (let run = 0; run < config.runs; run++) {
      rmSync(outDir, { recursive: true, force: true });
      mkdirSync(outDir);
      syncPath(scratch); // the last run's removal (and the ceiling's files) journaled before this run starts
      const result = await sftTransfer(ctx.alice!, ctx.bob!, dir, outDir, scratch, 300_000);
      const got = countFiles(outDir);
      if (got.files !== count || got.bytes !== total) throw new Error(`sft join saved ${got.files} files, ${got.bytes} bytes; expected ${count} files, ${total} bytes`);
      runs.push(result);
    }
    results.add('files', name, 'files/s', runs.map((r) => count / r.seconds), 'one session, join spawn → both exited');
    results.add('files', `${name}: time per file`, 'ms', runs.map((r) => (1000 * r.dataSeconds) / count), 'data phase ÷ files: the per-file overhead');
  } catch (error) {
    results.fail('files', name, error);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** Files per second a plain loop creates, writes and closes in `dir` (then deleted): what the disk allows. */
function createFilesRate(dir: string, count: number, size: number): number {
  mkdirSync(dir);
  const data = Buffer.alloc(size, 1);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const fd = openSync(join(dir, `f${i}`), 'wx', 0o600);
    writeSync(fd, data);
    closeSync(fd);
  }
  const seconds = (performance.now() - started) / 1000;
  rmSync(dir, { recursive: true, force: true });
  return count / seconds;
}

/** The path of the one regular file under `dir` (searched recursively). */
function onlyFile(dir: string): string {
  const entry = readdirSync(dir, { withFileTypes: true, recursive: true }).find((e) => e.isFile());
  if (!entry) throw new Error(`no file in ${dir}`);
  return join(entry.parentPath ?? entry.path, entry.name);
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
