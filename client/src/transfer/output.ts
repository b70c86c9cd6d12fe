/**
 * Where received files go. Each file is written to a fresh temp file next to its target (created
 * exclusively, never through a symlink), and moved into place only by commit(), after every check
 * passed. finishTemp() only closes it: commit() fsyncs all temp files together (disk-sync.ts) before the
 * first one takes its final name, and afterwards each directory that received entries. discard()
 * removes every temp file and every directory we created (the output directory itself too, if we made
 * it), so after a failure the output directory holds exactly what it held before. Should the process
 * exit before discard() finished (a cancel, a second Ctrl-C), an exit hook finishes the job
 * synchronously. For that hook to know everything on disk, directories and temp files
 * are created synchronously (an asynchronous mkdir or open still in flight at exit would land after it).
 * Per-file metadata calls (lstat, chmod, link, unlink, closing a temp file) are synchronous too: each
 * takes microseconds, where an asynchronous call costs a thread-pool round trip, which is what made many
 * small files slow (the close alone: 840 → 900 files/s of 10 KiB).
 *
 * Resume (given a session id): prepare() pre-assigns each file its temp file and records it, with the
 * directories we create, in the session's sidecar (transfer/resume-state.ts) before any temp file
 * exists; a later attempt of the same session adopts the temp files of unchanged entries and claims
 * their whole chunks, which the sender's signed digests then confirm or not (checkPartial()). keep()
 * leaves temp files, directories and sidecar on disk for that next attempt.
 */
import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { chmodSync, closeSync, fstatSync, fsync, ftruncateSync, linkSync, lstatSync, mkdirSync, openSync, renameSync, rmdirSync, unlinkSync, write } from 'node:fs';
import { link, rename, rmdir, statfs, unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import { CHUNK_SIZE, chunkCount } from './chunk-cipher';
import { FileHasher } from './digests';
import { diskSync, type DiskSync } from './disk-sync';
import { TransferError } from './errors';
import type { ManifestEntry, TransferEntry } from './manifest';
import { displayName } from './names';
import { MAX_RESUME_CHUNKS } from './resume-messages';
import {
  discardPartial,
  isSafeSessionId,
  manifestHash,
  newTempName,
  readSidecar,
  relativeDir,
  removeSidecarSync,
  SIDECAR_VERSION,
  verifyPartial,
  writeSidecar,
  type Sidecar,
  type VerifiedPartial,
} from './resume-state';

const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
/** Opening a temp file of an earlier attempt: it must exist, and never through a symlink. */
const ADOPT_FLAGS = constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0);
/** Mode of finished files (the temp file is 0600 while it holds unverified data). */
const FINAL_MODE = 0o644;

/** An open temp file: what the receiver needs of it. */
export interface TempFile {
  /** The open descriptor, for positioned writes (transfer/file-writer.ts). */
  readonly fd: number;
  write(data: Buffer, offset: number, length: number): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

interface PendingFile {
  temp: string;
  target: string;
}

/** Resume: the temp file pre-assigned to a manifest entry, and what an earlier attempt left in it. */
interface PlannedTemp {
  temp: string;
  /** Bytes of an earlier attempt's temp file we adopted (null: a new temp file). */
  adoptedBytes: number | null;
  /** Set by checkPartial(): the file whose prefix verified. */
  verified?: VerifiedPartial['identity'];
}

/** What prepare() found of an earlier attempt (resume; both empty on a first attempt). */
export interface ResumeClaims {
  /** Manifest index and whole chunks claimed from an adopted temp file. */
  files: { index: number; chunks: number }[];
  /** Manifest indexes whose earlier partial was dropped because size or mtime changed. */
  changed: number[];
}

export class OutputDir {
  private readonly root: string;
  private readonly createdDirs: string[] = [];
  /** Parent directories createTemp() already made or checked. */
  private readonly knownDirs = new Set<string>();
  private readonly pending: PendingFile[] = [];
  private readonly committed: string[] = [];
  /** Overwrite: targets replaced during commit() and where their originals wait (null: there was none). */
  private readonly replaced: { target: string; backup: string | null }[] = [];
  private openHandle: TempFile | null = null;
  /** Resume: temp files pre-assigned by prepare(), by manifest name. */
  private readonly planned = new Map<string, PlannedTemp>();
  /** Resume: adopted temp files not yet reopened by createTemp() (removed by discard() too). */
  private readonly adopted = new Set<string>();
  /** Parent directories missing at prepare() (created when a file needs them), outermost first. */
  private readonly plannedDirs: string[] = [];
  private prepared = false;

  /** `sessionId`: keep resume state (a sidecar) for this session; without it, temp files are anonymous. */
  constructor(
    outDir: string,
    private readonly overwrite = false,
    private readonly sessionId?: string,
    private readonly disk: DiskSync = diskSync,
  ) {
    this.root = resolve(outDir);
    if (sessionId !== undefined && !isSafeSessionId(sessionId)) this.sessionId = undefined;
  }

  /** The absolute target path of a (checked) manifest name. */
  targetOf(name: string): string {
    return join(this.root, ...name.split('/'));
  }

  /**
   * Checks targets, parent directories and free space before anything is written. With a session id,
   * also creates the directories, adopts the temp files an earlier attempt left and writes the sidecar;
   * returns what can be claimed.
   */
  async prepare(entries: ManifestEntry[]): Promise<ResumeClaims> {
    untilDiscarded.add(this);
    this.prepared = true;
    let firstMade: string | undefined;
    try {
      firstMade = mkdirSync(this.root, { recursive: true });
    } catch (err) {
      throw new TransferError('io', `Cannot create the output directory ${this.root}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
    }
    if (firstMade) {
      // We made the output directory (and maybe parents): they are ours to remove after a failure, last.
      const made: string[] = [];
      for (let dir = this.root; dir !== dirname(firstMade); dir = dirname(dir)) made.unshift(dir);
      this.createdDirs.unshift(...made);
    }
    const checked = new Set<string>();
    for (const entry of entries) {
      const segments = entry.name.split('/');
      for (let i = 1; i < segments.length; i++) {
        const dir = join(this.root, ...segments.slice(0, i));
        if (checked.has(dir)) continue;
        checked.add(dir);
        if (!this.checkParent(dir)) this.plannedDirs.push(dir);
      }
      const info = lstatOrNull(this.targetOf(entry.name));
      if (info && (!this.overwrite || info.isDirectory())) {
        throw new TransferError('exists', `${shownPath(this.targetOf(entry.name))} already exists; use --overwrite to replace it.`);
      }
    }
    const claims: ResumeClaims = { files: [], changed: [] };
    if (this.sessionId) this.adoptEarlierAttempt(entries as TransferEntry[], claims);
    const onDisk = [...this.planned.values()].reduce((sum, p) => sum + (p.adoptedBytes ?? 0), 0);
    const total = entries.reduce((sum, e) => sum + e.size, 0) - onDisk;
    const fs = await statfs(this.root);
    const free = Number(fs.bavail) * Number(fs.bsize);
    if (free < total) {
      throw new TransferError('no_space', `Not enough free space in ${this.root}: need ${total} bytes, ${free} available.`);
    }
    if (this.sessionId) this.writeResumeState(entries as TransferEntry[]);
    return claims;
  }

  /**
   * Resume: takes over the sidecar of an earlier attempt of this session. An entry with the same name,
   * size and mtime keeps its temp file (a regular file, never a symlink) and claims its whole chunks;
   * a changed entry's partial is removed (and reported); temp files of entries gone are removed.
   */
  private adoptEarlierAttempt(entries: TransferEntry[], claims: ResumeClaims): void {
    const sessionId = this.sessionId!;
    const earlier = readSidecar(this.root, sessionId);
    const known = new Set(this.createdDirs);
    for (const dir of earlier?.dirs ?? []) {
      const path = join(this.root, ...dir.split('/'));
      if (!known.has(path)) this.createdDirs.push(path);
      known.add(path);
    }
    const before = new Map((earlier?.files ?? []).map((f) => [f.name, f]));
    let budget = MAX_RESUME_CHUNKS;
    for (const [index, entry] of entries.entries()) {
      const old = before.get(entry.name);
      before.delete(entry.name);
      const oldTemp = old ? join(this.root, ...old.temp.split('/')) : null;
      const info = oldTemp ? lstatOrNull(oldTemp) : null;
      if (old && oldTemp && info?.isFile()) {
        if (old.size === entry.size && old.mtime === entry.mtime) {
          this.planned.set(entry.name, { temp: oldTemp, adoptedBytes: Math.min(info.size, entry.size) });
          this.adopted.add(oldTemp);
          const chunks = Math.min(info.size >= entry.size ? chunkCount(entry.size) : Math.floor(info.size / CHUNK_SIZE), budget);
          if (chunks > 0) claims.files.push({ index, chunks });
          budget -= chunks;
          continue;
        }
        ignoreErrors(() => unlinkSync(oldTemp));
        claims.changed.push(index);
      }
      const dir = dirname(this.targetOf(entry.name));
      this.planned.set(entry.name, { temp: join(dir, newTempName()), adoptedBytes: null });
    }
    for (const gone of before.values()) ignoreErrors(() => unlinkSync(join(this.root, ...gone.temp.split('/'))));
  }

  /**
   * Resume: records the plan in the sidecar, before any new temp file exists: the temp file of each
   * entry and every directory we created or will create (directories are still made only when a file
   * needs them: making thousands up front and removing them again after an early failure is slow).
   */
  private writeResumeState(entries: TransferEntry[]): void {
    const earlier = readSidecar(this.root, this.sessionId!);
    const sidecar: Sidecar = {
      v: SIDECAR_VERSION,
      sessionId: this.sessionId!,
      chunkSize: CHUNK_SIZE,
      manifestHash: manifestHash(entries),
      createdAt: earlier?.createdAt ?? new Date().toISOString(),
      files: entries.map(({ name, size, mtime }) => ({ name, size, mtime, temp: relativeDir(this.root, this.planned.get(name)!.temp) })),
      dirs: [...new Set([...this.createdDirs, ...this.plannedDirs])].map((dir) => relativeDir(this.root, dir)),
    };
    try {
      writeSidecar(this.root, sidecar);
    } catch (err) {
      throw new TransferError('io', `Cannot write the resume state in ${this.root}: ${(err as NodeJS.ErrnoException).code ?? 'error'}.`);
    }
  }

  /**
   * Resume: re-reads the adopted temp file of `entry` against the sender's digests; returns the chunk
   * to continue from and the hasher over what verified. createTemp() later writes to that same file.
   */
  checkPartial(entry: ManifestEntry, digests: string[]): Omit<VerifiedPartial, 'identity'> {
    const plan = this.planned.get(entry.name);
    if (!plan || plan.adoptedBytes === null) return { from: 0, hasher: new FileHasher() };
    const { from, hasher, identity } = verifyPartial(plan.temp, entry.size, digests);
    plan.verified = identity;
    return { from, hasher };
  }

  /**
   * Creates the temp file for `name` (and its missing parent directories); returns its handle. Resume:
   * an adopted temp file is reopened instead and cut to `keepBytes` (its verified prefix).
   */
  async createTemp(name: string, keepBytes = 0): Promise<TempFile> {
    const segments = name.split('/');
    let dir = this.root;
    for (const segment of segments.slice(0, -1)) {
      dir = join(dir, segment);
      this.makeDir(dir);
    }
    const plan = this.planned.get(name);
    const temp = plan?.temp ?? join(dir, `.sft-${randomBytes(12).toString('hex')}.part`);
    if (plan?.adoptedBytes != null) {
      this.openHandle = tempFile(this.reopen(plan, keepBytes));
      this.adopted.delete(temp);
    } else {
      try {
        this.openHandle = tempFile(openSync(temp, TEMP_FLAGS, 0o600));
      } catch (err) {
        throw new TransferError('io', `Cannot create a temporary file in ${dir}: ${(err as NodeJS.ErrnoException).code ?? 'error'}.`);
      }
    }
    this.pending.push({ temp, target: this.targetOf(name) });
    return this.openHandle;
  }

  /** Opens an adopted temp file (a regular file, the one checkPartial() read) and cuts it to `keepBytes`. */
  private reopen(plan: PlannedTemp, keepBytes: number): number {
    let fd: number;
    try {
      fd = openSync(plan.temp, ADOPT_FLAGS);
    } catch (err) {
      throw new TransferError('io', `Cannot reopen a partial file of the last attempt: ${(err as NodeJS.ErrnoException).code ?? 'error'}.`);
    }
    try {
      const info = fstatSync(fd);
      const same = !plan.verified || (plan.verified.dev === info.dev && plan.verified.ino === info.ino);
      if (!info.isFile() || !same || info.size < keepBytes) throw new TransferError('io', 'A partial file of the last attempt was replaced while in use.');
      ftruncateSync(fd, keepBytes);
      return fd;
    } catch (err) {
      ignoreErrors(() => closeSync(fd));
      if (err instanceof TransferError) throw err;
      throw new TransferError('io', `Cannot reuse a partial file of the last attempt: ${(err as NodeJS.ErrnoException).code ?? 'error'}.`);
    }
  }

  /** Closes the current temp file (commit() fsyncs it, with all the others, before any is placed). */
  async finishTemp(): Promise<void> {
    const handle = this.openHandle;
    if (!handle) return;
    this.openHandle = null;
    await handle.close();
  }

  /**
   * fsyncs every temp file, then moves each into place and fsyncs the directories that received
   * entries. Without overwrite, a target that appeared meanwhile stops (and undoes) it all. With
   * overwrite, each replaced file is kept aside (a hard link) until every file is in place and durable,
   * so a failure halfway puts the originals back.
   */
  async commit(): Promise<void> {
    try {
      // Every temp file is on disk before the first one takes its final name.
      await this.disk.files(this.pending.map((file) => file.temp));
      const receivingDirs = this.receivingDirs();
      for (const file of this.pending) {
        chmodSync(file.temp, FINAL_MODE);
        if (this.overwrite) await this.replace(file);
        else placeWithoutClobber(file.temp, file.target);
        this.committed.push(file.target);
      }
      this.pending.length = 0;
      await this.disk.dirs(receivingDirs);
      for (const { backup } of this.replaced.splice(0)) if (backup) await unlink(backup).catch(() => undefined);
      if (this.sessionId) removeSidecarSync(this.root, this.sessionId);
      untilDiscarded.delete(this); // the files and the directories that hold them are the user's now
    } catch (err) {
      if (this.overwrite) await this.undoReplacements();
      else for (const target of this.committed) await unlink(target).catch(() => undefined);
      if (err instanceof TransferError) throw err;
      throw new TransferError('io', `Cannot move a received file into place: ${(err as Error).message}`);
    }
  }

  /** Directories whose entries commit() changes: each target's, and the parent of each directory we made. */
  private receivingDirs(): string[] {
    return [...new Set([...this.pending.map((file) => dirname(file.target)), ...this.createdDirs.map((dir) => dirname(dir))])];
  }

  /** Overwrite: keeps what is at the target aside (hard link, else moved) and moves the temp file there. */
  private async replace(file: PendingFile): Promise<void> {
    let backup: string | null = join(dirname(file.target), `.sft-${randomBytes(12).toString('hex')}.orig`);
    try {
      await link(file.target, backup);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') backup = null;
      else if (lstatOrNull(file.target)?.isDirectory()) throw new TransferError('exists', `${shownPath(file.target)} is a directory now; nothing was kept.`);
      else await rename(file.target, backup); // no hard links here: move the original aside instead
    }
    try {
      await rename(file.temp, file.target);
    } catch (err) {
      if (backup) await rename(backup, file.target).catch(() => undefined);
      throw err;
    }
    this.replaced.push({ target: file.target, backup });
  }

  /** Puts back what replace() replaced, newest first. */
  private async undoReplacements(): Promise<void> {
    for (let r = this.replaced.pop(); r; r = this.replaced.pop()) {
      if (r.backup) await rename(r.backup, r.target).catch(() => undefined);
      else await unlink(r.target).catch(() => undefined);
    }
  }

  /**
   * Removes every temp file and every directory we created, deepest first, and the resume state of
   * the session (also when this attempt failed before prepare()) (best effort; never throws).
   */
  async discard(): Promise<void> {
    await this.openHandle?.close().catch(() => undefined);
    this.openHandle = null;
    if (!this.prepared && this.sessionId) await discardPartial(this.root, this.sessionId);
    await Promise.all([...this.pending.map((file) => file.temp), ...this.adopted].map((temp) => unlink(temp).catch(() => undefined)));
    this.pending.length = 0;
    this.adopted.clear();
    if (this.sessionId) removeSidecarSync(this.root, this.sessionId);
    // Each one forgotten only once removed, so the exit hook still sees it if the process ends meanwhile.
    while (this.createdDirs.length > 0) {
      await rmdir(this.createdDirs[this.createdDirs.length - 1]).catch(() => undefined);
      this.createdDirs.pop();
    }
    untilDiscarded.delete(this);
  }

  /**
   * Resume, after a link failure: closes the temp file and leaves temp files, directories and the
   * sidecar on disk for the next attempt (no longer the exit hook's to remove).
   */
  async keep(): Promise<void> {
    await this.openHandle?.close().catch(() => undefined);
    this.openHandle = null;
    this.pending.length = 0;
    this.adopted.clear();
    this.createdDirs.length = 0;
    untilDiscarded.delete(this);
  }

  /** discard(), synchronously: for the exit hook only. */
  discardSync(): void {
    for (const r of this.replaced.splice(0).reverse()) ignoreErrors(() => (r.backup ? renameSync(r.backup, r.target) : unlinkSync(r.target)));
    // Exit in the middle of commit() (before its directories were synced): new files already placed go too.
    if (!this.overwrite) for (const target of this.committed.splice(0)) ignoreErrors(() => unlinkSync(target));
    for (const file of this.pending.splice(0)) ignoreErrors(() => unlinkSync(file.temp));
    for (const temp of this.adopted) ignoreErrors(() => unlinkSync(temp));
    this.adopted.clear();
    if (this.sessionId) removeSidecarSync(this.root, this.sessionId);
    for (const dir of this.createdDirs.splice(0).reverse()) ignoreErrors(() => rmdirSync(dir));
  }

  /** A parent directory must be absent (we create it) or a real directory, never a symlink or a file. True if it exists. */
  private checkParent(dir: string): boolean {
    const info = lstatOrNull(dir);
    if (info && !info.isDirectory()) {
      throw new TransferError('unsafe_name', `${shownPath(dir)} exists and is not a directory (symlinks are not followed).`);
    }
    return info !== null;
  }

  private makeDir(dir: string): void {
    // Made or checked for an earlier file and still a real directory: no mkdir (and no EEXIST thrown) per file.
    if (this.knownDirs.has(dir) && lstatOrNull(dir)?.isDirectory()) return;
    try {
      mkdirSync(dir, { mode: 0o755 });
      this.createdDirs.push(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new TransferError('io', `Cannot create ${dir}: ${(err as NodeJS.ErrnoException).code ?? 'error'}.`);
      }
      this.checkParent(dir);
    }
    this.knownDirs.add(dir);
  }
}

const fsyncAsync = promisify(fsync);

function tempFile(fd: number): TempFile {
  return {
    fd,
    write: (data, offset, length) =>
      new Promise((resolve, reject) => write(fd, data, offset, length, null, (err, bytesWritten) => (err ? reject(err) : resolve({ bytesWritten })))),
    sync: () => fsyncAsync(fd),
    close: async () => closeSync(fd),
  };
}

/** Output directories with temp files or directories of ours still on disk (prepared, not yet committed or discarded). */
const untilDiscarded = new Set<OutputDir>();
process.on('exit', () => {
  for (const output of untilDiscarded) output.discardSync();
});

function ignoreErrors(fn: () => void): void {
  try {
    fn();
  } catch {
    // best effort: an entry already gone, or not empty because someone else put a file there
  }
}

/** A path that ends in a peer-chosen name, quoted and escaped for the terminal. */
function shownPath(path: string): string {
  return displayName(path);
}

/** link() fails if the target exists, so it never overwrites; fall back to check-then-rename where links are unsupported. */
function placeWithoutClobber(temp: string, target: string): void {
  try {
    linkSync(temp, target);
    unlinkSync(temp);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new TransferError('exists', `${shownPath(target)} appeared during the transfer; nothing was kept.`);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EXDEV') throw err;
  }
  if (lstatOrNull(target)) throw new TransferError('exists', `${shownPath(target)} appeared during the transfer; nothing was kept.`);
  renameSync(temp, target);
}

/** No error object for the common "not there" (prepare() asks once per file). */
function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) ?? null;
  } catch (err) {
    throw new TransferError('io', `Cannot inspect ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}.`);
  }
}
