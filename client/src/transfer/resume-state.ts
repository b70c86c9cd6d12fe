/**
 * The receiver's resume state on disk (docs/protocol.md, "Resume"): one sidecar per session in the
 * output directory, `.sft-resume-<sessionId>.json` (0600, written atomically before the first temp
 * file exists), naming the manifest entries, the temp file pre-assigned to each and the directories we
 * created. A later attempt of the same session adopts those temp files (see OutputDir); what they
 * hold is only claimed, never trusted: the sender's signed per-chunk digests decide (`verifyPartial`).
 * Also the two clean-ups the session runner calls: `discardPartial` and `cleanStalePartials`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, openSync, readFileSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { lstat, readdir, rmdir, unlink } from 'node:fs/promises';
import { join, posix, relative, resolve, sep } from 'node:path';
import { CHUNK_SIZE, chunkCount } from './chunk-cipher';
import { FileHasher } from './digests';
import { TransferError } from './errors';
import type { TransferEntry } from './manifest';

export const SIDECAR_VERSION = 1;
const SIDECAR_PREFIX = '.sft-resume-';
const SIDECAR_SUFFIX = '.json';
const TEMP_PATTERN = /^\.sft-[0-9a-f]{24}\.part$/;
const SESSION_ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/;
/** Largest sidecar we read (1 000 files with long names fit easily). */
const MAX_SIDECAR_BYTES = 4 * 1024 * 1024;

export interface SidecarFile extends TransferEntry {
  /** The temp file of this entry, relative to the output directory ('/'-separated). */
  temp: string;
}

export interface Sidecar {
  v: typeof SIDECAR_VERSION;
  sessionId: string;
  chunkSize: number;
  /** Hex SHA-256 of the manifest's (name, size, mtime) list: which manifest this state belongs to. */
  manifestHash: string;
  createdAt: string;
  files: SidecarFile[];
  /** Directories we created, relative to the output directory ("." is itself, ".." its parent), outermost first. */
  dirs: string[];
}

/** Session ids are the server's (short, [a-z0-9-]); anything else never becomes part of a file name. */
export function isSafeSessionId(sessionId: string): boolean {
  return SESSION_ID_PATTERN.test(sessionId);
}

export function sidecarPath(root: string, sessionId: string): string {
  return join(root, `${SIDECAR_PREFIX}${sessionId}${SIDECAR_SUFFIX}`);
}

/** A fresh temp file name (no directory). */
export function newTempName(): string {
  return `.sft-${randomBytes(12).toString('hex')}.part`;
}

export function manifestHash(entries: TransferEntry[]): string {
  return createHash('sha256')
    .update(JSON.stringify(entries.map(({ name, size, mtime }) => [name, size, mtime])))
    .digest('hex');
}

/** The path of `dir` (absolute) as a sidecar records it. */
export function relativeDir(root: string, dir: string): string {
  return relative(root, dir).split(sep).join('/') || '.';
}

/** Writes the sidecar atomically and synchronously (the exit hook must never meet half of one). */
export function writeSidecar(root: string, sidecar: Sidecar): void {
  const target = sidecarPath(root, sidecar.sessionId);
  const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
  try {
    const data = Buffer.from(JSON.stringify(sidecar), 'utf8');
    for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    ignore(() => unlinkSync(temp));
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(temp, target);
  } catch (err) {
    ignore(() => unlinkSync(temp));
    throw err;
  }
}

export function removeSidecarSync(root: string, sessionId: string): void {
  ignore(() => unlinkSync(sidecarPath(root, sessionId)));
}

/** The session's sidecar if there is a valid one (never through a symlink); null otherwise. */
export function readSidecar(root: string, sessionId: string): Sidecar | null {
  if (!isSafeSessionId(sessionId)) return null;
  let text: string;
  try {
    const fd = openSync(sidecarPath(root, sessionId), constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    try {
      const info = fstatSync(fd);
      if (!info.isFile() || info.size > MAX_SIDECAR_BYTES) return null;
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  return parseSidecar(text, sessionId);
}

function parseSidecar(text: string, sessionId: string): Sidecar | null {
  let value: Partial<Sidecar>;
  try {
    value = JSON.parse(text) as Partial<Sidecar>;
  } catch {
    return null;
  }
  if (!value || value.v !== SIDECAR_VERSION || value.sessionId !== sessionId || value.chunkSize !== CHUNK_SIZE) return null;
  if (!Array.isArray(value.files) || !Array.isArray(value.dirs) || typeof value.manifestHash !== 'string' || typeof value.createdAt !== 'string') return null;
  const filesOk = value.files.every(
    (f: Partial<SidecarFile>) =>
      f &&
      typeof f.name === 'string' &&
      isCount(f.size) &&
      isCount(f.mtime) &&
      typeof f.temp === 'string' &&
      isSafeTemp(f.temp) &&
      posix.dirname(f.temp) === posix.dirname(f.name),
  );
  const dirsOk = value.dirs.every((d: unknown) => typeof d === 'string' && isSafeDir(d));
  return filesOk && dirsOk ? (value as Sidecar) : null;
}

/** A temp path a sidecar may name: `[dir/…]/.sft-<24 hex>.part`, plain segments only. */
function isSafeTemp(temp: string): boolean {
  const segments = temp.split('/');
  return TEMP_PATTERN.test(segments[segments.length - 1]) && segments.slice(0, -1).every(isPlainSegment);
}

/** "." (the output directory), ".." / "../.." (parents we made), or a relative path of plain segments. */
function isSafeDir(dir: string): boolean {
  if (dir === '.' || /^\.\.(\/\.\.)*$/.test(dir)) return true;
  return dir.split('/').every(isPlainSegment);
}

function isPlainSegment(segment: string): boolean {
  return segment !== '' && segment !== '.' && segment !== '..' && !segment.includes('\\') && !segment.includes('\0');
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export interface VerifiedPartial {
  /** The first chunk whose SHA-256 differs from the sender's (or the number of digests). */
  from: number;
  /** CRC32 and SHA-256 over chunks [0, from). */
  hasher: FileHasher;
  /** Which file was read, so the one written to later is the same one. */
  identity: { dev: number; ino: number };
}

/**
 * Re-reads a partial file chunk by chunk against the sender's digests: stops at the first chunk that
 * differs (or is missing), hashing what matched into the whole-file hasher in the same pass. Opened
 * O_NOFOLLOW; anything but a regular file is `io`.
 */
export function verifyPartial(path: string, size: number, digests: string[]): VerifiedPartial {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (err) {
    throw new TransferError('io', `Cannot open a partial file from the last attempt: ${(err as NodeJS.ErrnoException).code ?? 'error'}.`);
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new TransferError('io', 'A partial file from the last attempt is not a regular file.');
    const hasher = new FileHasher();
    const buffer = Buffer.allocUnsafe(Math.min(CHUNK_SIZE, size));
    let from = 0;
    for (; from < Math.min(digests.length, chunkCount(size)); from++) {
      const length = Math.min(CHUNK_SIZE, size - from * CHUNK_SIZE);
      const plain = buffer.subarray(0, length);
      if (readFully(fd, plain, from * CHUNK_SIZE) < length) break;
      if (createHash('sha256').update(plain).digest('hex') !== digests[from]) break;
      hasher.update(plain);
    }
    return { from, hasher, identity: { dev: info.dev, ino: info.ino } };
  } finally {
    closeSync(fd);
  }
}

function readFully(fd: number, buffer: Buffer, position: number): number {
  let filled = 0;
  while (filled < buffer.length) {
    const n = readSync(fd, buffer, filled, buffer.length - filled, position + filled);
    if (n === 0) break;
    filled += n;
  }
  return filled;
}

/**
 * Removes what a session's sidecar names (temp files, then the directories we created, deepest first,
 * only if empty) and the sidecar. For the runner when it gives up on a session. Never throws.
 */
export async function discardPartial(outDir: string, sessionId: string): Promise<void> {
  const root = resolve(outDir);
  const sidecar = readSidecar(root, sessionId);
  if (sidecar) await removeState(root, sidecar);
  else if (isSafeSessionId(sessionId)) await unlink(sidecarPath(root, sessionId)).catch(() => undefined);
}

/** Removes the temp files, the sidecar and the recorded directories; returns the temp files that were there. */
async function removeState(root: string, sidecar: Sidecar): Promise<string[]> {
  const removed: string[] = [];
  for (const f of sidecar.files) {
    if (await unlink(join(root, ...f.temp.split('/'))).then(() => true, () => false)) removed.push(f.temp);
  }
  await unlink(sidecarPath(root, sidecar.sessionId)).catch(() => undefined);
  for (const dir of [...sidecar.dirs].reverse()) await rmdir(join(root, ...dir.split('/'))).catch(() => undefined);
  return removed;
}

export interface StalePartials {
  /** The session whose sidecar was removed; null for temp files no sidecar names. */
  sessionId: string | null;
  /** Temp files removed, relative to the output directory. */
  files: string[];
}

/**
 * Before receiving into `outDir`: removes the resume state of other sessions that are closed (or that
 * the server does not know: `isClosed` says true) or older than `maxAgeMs`, and `.sft-*.part` files
 * directly in `outDir` older than `maxAgeMs` that no sidecar names. The current session's state is
 * never touched. Returns what was removed, one entry per session (and one for the unnamed files).
 */
export async function cleanStalePartials(
  outDir: string,
  opts: { currentSessionId: string; isClosed: (sessionId: string) => Promise<boolean>; maxAgeMs: number },
): Promise<StalePartials[]> {
  const root = resolve(outDir);
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return []; // no output directory yet: nothing to clean
  }
  const now = Date.now();
  const named = new Set<string>();
  const removed: StalePartials[] = [];
  for (const name of names) {
    if (!name.startsWith(SIDECAR_PREFIX) || !name.endsWith(SIDECAR_SUFFIX)) continue;
    const sessionId = name.slice(SIDECAR_PREFIX.length, -SIDECAR_SUFFIX.length);
    const sidecar = readSidecar(root, sessionId);
    if (!sidecar) continue; // not ours to judge (a symlink, or a file we cannot read)
    for (const f of sidecar.files) named.add(f.temp);
    if (sessionId === opts.currentSessionId) continue;
    const age = now - Date.parse(sidecar.createdAt);
    const stale = !(age <= opts.maxAgeMs) || (await opts.isClosed(sessionId).catch(() => false));
    if (stale) removed.push({ sessionId, files: await removeState(root, sidecar) });
  }
  const orphans: string[] = [];
  for (const name of names) {
    if (!TEMP_PATTERN.test(name) || named.has(name)) continue;
    const info = await lstat(join(root, name)).catch(() => null);
    if (!info?.isFile() || now - info.mtimeMs <= opts.maxAgeMs) continue;
    if (await unlink(join(root, name)).then(() => true, () => false)) orphans.push(name);
  }
  if (orphans.length > 0) removed.push({ sessionId: null, files: orphans });
  return removed;
}

function ignore(fn: () => void): void {
  try {
    fn();
  } catch {
    // best effort
  }
}
