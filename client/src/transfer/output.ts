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
 * Per-file metadata calls (lstat, chmod, link, unlink) are synchronous too: each takes microseconds, where
 * an asynchronous call costs a thread-pool round trip, which is what made many small files slow.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmodSync, close, fsync, linkSync, lstatSync, mkdirSync, openSync, renameSync, rmdirSync, unlinkSync, write, type Stats } from 'node:fs';
import { link, rename, rmdir, statfs, unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import { diskSync, type DiskSync } from './disk-sync';
import { TransferError } from './errors';
import type { ManifestEntry } from './manifest';
import { displayName } from './names';

const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
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

  constructor(
    outDir: string,
    private readonly overwrite = false,
    private readonly disk: DiskSync = diskSync,
  ) {
    this.root = resolve(outDir);
  }

  /** The absolute target path of a (checked) manifest name. */
  targetOf(name: string): string {
    return join(this.root, ...name.split('/'));
  }

  /** Checks targets, parent directories and free space before anything is written. */
  async prepare(entries: ManifestEntry[]): Promise<void> {
    untilDiscarded.add(this);
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
    const checkedParents = new Set<string>();
    for (const entry of entries) {
      const segments = entry.name.split('/');
      for (let i = 1; i < segments.length; i++) {
        const parent = join(this.root, ...segments.slice(0, i));
        if (!checkedParents.has(parent)) this.checkParent(parent);
        checkedParents.add(parent);
      }
      const info = lstatOrNull(this.targetOf(entry.name));
      if (info && (!this.overwrite || info.isDirectory())) {
        throw new TransferError('exists', `${shownPath(this.targetOf(entry.name))} already exists; use --overwrite to replace it.`);
      }
    }
    const total = entries.reduce((sum, e) => sum + e.size, 0);
    const fs = await statfs(this.root);
    const free = Number(fs.bavail) * Number(fs.bsize);
    if (free < total) {
      throw new TransferError('no_space', `Not enough free space in ${this.root}: need ${total} bytes, ${free} available.`);
    }
  }

  /** Creates the temp file for `name` (and its missing parent directories); returns its handle. */
  async createTemp(name: string): Promise<TempFile> {
    const segments = name.split('/');
    let dir = this.root;
    for (const segment of segments.slice(0, -1)) {
      dir = join(dir, segment);
      this.makeDir(dir);
    }
    const temp = join(dir, `.sft-${randomBytes(12).toString('hex')}.part`);
    try {
      this.openHandle = tempFile(openSync(temp, TEMP_FLAGS, 0o600));
    } catch (err) {
      throw new TransferError('io', `Cannot create a temporary file in ${dir}: ${(err as NodeJS.ErrnoException).code ?? 'error'}.`);
    }
    this.pending.push({ temp, target: this.targetOf(name) });
    return this.openHandle;
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

  /** Removes every temp file and every directory we created, deepest first (best effort; never throws). */
  async discard(): Promise<void> {
    await this.openHandle?.close().catch(() => undefined);
    this.openHandle = null;
    await Promise.all(this.pending.map((file) => unlink(file.temp).catch(() => undefined)));
    this.pending.length = 0;
    // Each one forgotten only once removed, so the exit hook still sees it if the process ends meanwhile.
    while (this.createdDirs.length > 0) {
      await rmdir(this.createdDirs[this.createdDirs.length - 1]).catch(() => undefined);
      this.createdDirs.pop();
    }
    untilDiscarded.delete(this);
  }

  /** discard(), synchronously: for the exit hook only. */
  discardSync(): void {
    for (const r of this.replaced.splice(0).reverse()) ignoreErrors(() => (r.backup ? renameSync(r.backup, r.target) : unlinkSync(r.target)));
    // Exit in the middle of commit() (before its directories were synced): new files already placed go too.
    if (!this.overwrite) for (const target of this.committed.splice(0)) ignoreErrors(() => unlinkSync(target));
    for (const file of this.pending.splice(0)) ignoreErrors(() => unlinkSync(file.temp));
    for (const dir of this.createdDirs.splice(0).reverse()) ignoreErrors(() => rmdirSync(dir));
  }

  /** A parent directory must be absent (we create it) or a real directory, never a symlink or a file. */
  private checkParent(dir: string): void {
    const info = lstatOrNull(dir);
    if (info && !info.isDirectory()) {
      throw new TransferError('unsafe_name', `${shownPath(dir)} exists and is not a directory (symlinks are not followed).`);
    }
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
const closeAsync = promisify(close);

function tempFile(fd: number): TempFile {
  return {
    fd,
    write: (data, offset, length) =>
      new Promise((resolve, reject) => write(fd, data, offset, length, null, (err, bytesWritten) => (err ? reject(err) : resolve({ bytesWritten })))),
    sync: () => fsyncAsync(fd),
    close: () => closeAsync(fd),
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
