/**
 * Sections "transfer", "memory" and "scp", which share generated files: for each file size, the file is
 * made once, sent by raw TLS (the ceiling), sft and scp run by run side by side, then deleted.
 * Also join → first byte, and section "files": 1,000 small files in one sft session.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchConfig } from '../lib/config';
import { countFiles, freeBytes, scratchDir, sha256OfFile, writeManySmallFiles, writeRandomFile } from '../lib/files';
import { prepareRawTls, rawTlsTransfer, type RawTlsRun } from '../lib/raw-tls';
import type { Results } from '../lib/results';
import { registerUser, sftTransfer, startSftServer, type SftServer, type SftTransferRun, type SftUser } from '../lib/sft-cli';
import { log } from '../lib/log';
import { formatSize, MiB } from '../lib/stats';
import { ScpLink } from './scp';

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
    const scp = config.sections.has('scp') ? await ScpLink.start(join(scratch, 'ssh')) : null;
    if (scp && !scp.available) results.skip('scp', `scp ${formatSize(config.transferSize)}`, scp.reason);

    for (const size of sizesToMeasure(config)) await measureSize(ctx, size, certDir, scp?.available ? scp : null);
    if (config.sections.has('files')) await measureSmallFiles(ctx);
    await scp?.stop();
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

async function measureSize(ctx: Context, size: number, certDir: string, scp: ScpLink | null): Promise<void> {
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
    const raw: RawTlsRun[] = [];
    const sft: SftTransferRun[] = [];
    const scpSeconds: number[] = [];
    let sftError: unknown = ctx.setupError;
    let rawError: unknown = null;
    for (let run = 0; run < config.runs; run++) {
      log(`  ${label}: run ${run + 1} of ${config.runs}`);
      const verify = run === 0; // hashing a big output every run would double the bench time
      if (isTransferSize && config.sections.has('transfer') && !rawError) {
        try {
          raw.push(await rawTlsRun(certDir, input, join(scratch, 'raw-out.bin'), timeoutMs, verify ? digest : null));
        } catch (error) {
          rawError = error;
        }
      }
      if (!sftError) {
        try {
          sft.push(await sftRun(ctx, input, size, timeoutMs, verify ? digest : null));
        } catch (error) {
          sftError = error;
        }
      }
      if (isTransferSize && scp) scpSeconds.push(await scp.copy(input, join(scratch, 'scp-out.bin'), verify ? digest : null, timeoutMs));
    }
    if (isTransferSize && config.sections.has('transfer')) {
      recordThroughput(results, label, size, raw, rawError, sft, sftError);
    }
    if (isTransferSize && scp) results.add('scp', `scp ${label}`, 'MiB/s', scpSeconds.map((s) => size / MiB / s), 'loopback sshd, default cipher');
    if (wantsMemory) recordMemory(results, label, sft, sftError, isTransferSize ? raw : []);
  } catch (error) {
    results.fail('transfer', `files of ${label}`, error);
  } finally {
    rmSync(input, { force: true });
  }
}

async function rawTlsRun(certDir: string, input: string, out: string, timeoutMs: number, digest: string | null): Promise<RawTlsRun> {
  try {
    const run = await rawTlsTransfer(certDir, input, out, timeoutMs);
    if (digest && (await sha256OfFile(out)) !== digest) throw new Error('raw TLS output differs from the input');
    return run;
  } finally {
    rmSync(out, { force: true });
  }
}

async function sftRun(ctx: Context, input: string, size: number, timeoutMs: number, digest: string | null): Promise<SftTransferRun> {
  const outDir = join(ctx.scratch, 'sft-out');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir);
  try {
    const run = await sftTransfer(ctx.alice!, ctx.bob!, input, outDir, ctx.scratch, timeoutMs);
    const got = countFiles(outDir);
    if (got.files !== 1 || got.bytes !== size) throw new Error(`sft join saved ${got.files} file(s), ${got.bytes} bytes; expected 1 file of ${size}`);
    if (digest && (await sha256OfFile(onlyFile(outDir))) !== digest) throw new Error('sft output differs from the input');
    return run;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

function recordThroughput(results: Results, label: string, size: number, raw: RawTlsRun[], rawError: unknown, sft: SftTransferRun[], sftError: unknown): void {
  const mibps = (seconds: number) => size / MiB / seconds;
  if (rawError) results.fail('transfer', `raw TLS ${label}`, rawError);
  else results.add('transfer', `raw TLS ${label}`, 'MiB/s', raw.map((r) => mibps(r.seconds)), 'ceiling: 2 processes, TLS 1.3, no app crypto');
  if (sftError) {
    results.fail('transfer', `sft ${label}`, sftError);
    return;
  }
  results.add('transfer', `sft ${label}`, 'MiB/s', sft.map((r) => mibps(r.seconds)), 'join spawn → both exited');
  if (!rawError) results.add('transfer', `sft / raw TLS ${label}`, '%', sft.map((r, i) => (100 * raw[i].seconds) / r.seconds), 'paired by run');
  if (!rawError) results.add('transfer', `raw TLS ${label} data phase`, 'MiB/s', raw.map((r) => mibps(r.dataSeconds)), 'first byte → both exited');
  results.add('transfer', `sft ${label} data phase`, 'MiB/s', sft.map((r) => mibps(r.dataSeconds)), '"manifest" event → both exited');
  results.add('transfer', 'join → first byte', 's', sft.map((r) => r.firstByteSeconds), 'join spawn → "manifest" event');
  results.add('transfer', 'join → session joined', 's', sft.map((r) => r.joinedSeconds), 'join spawn → "joined" event; part of the above');
}

function recordMemory(results: Results, label: string, sft: SftTransferRun[], sftError: unknown, raw: RawTlsRun[]): void {
  if (sftError) {
    results.fail('memory', `peak RSS ${label}`, sftError);
    return;
  }
  results.add('memory', `sft sender peak RSS ${label}`, 'MiB', sft.map((r) => r.senderPeakRss / MiB));
  results.add('memory', `sft receiver peak RSS ${label}`, 'MiB', sft.map((r) => r.receiverPeakRss / MiB));
  if (raw.length > 0) {
    results.add('memory', `raw TLS sender peak RSS ${label}`, 'MiB', raw.map((r) => r.senderPeakRss / MiB), 'reference');
    results.add('memory', `raw TLS receiver peak RSS ${label}`, 'MiB', raw.map((r) => r.receiverPeakRss / MiB), 'reference');
  }
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
    const runs: SftTransferRun[] = [];
    for (let run = 0; run < config.runs; run++) {
      rmSync(outDir, { recursive: true, force: true });
      mkdirSync(outDir);
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

/** The path of the one regular file under `dir` (searched recursively). */
function onlyFile(dir: string): string {
  const entry = readdirSync(dir, { withFileTypes: true, recursive: true }).find((e) => e.isFile());
  if (!entry) throw new Error(`no file in ${dir}`);
  return join(entry.parentPath ?? entry.path, entry.name);
}
