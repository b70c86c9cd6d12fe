/**
 * Where received files go. Each file is written to a fresh temp file next to its target (created
 * exclusively, never through a symlink), fsynced, and moved into place only by commit(), after every
 * check passed. discard() removes every temp file and every directory we created.
 * The fsyncs happen in commit(), all of them before the first file moves, so nothing unsynced is ever
 * put in place: fsyncs between the files' creations would make every creation wait for a journal
 * commit (ext4), and one fsync after another costs a disk flush per file; at the end, the first
 * flush carries most of the others.
 * The small metadata calls (lstat, mkdir, open, chmod, link, unlink) are synchronous: each takes
 * microseconds, while an asynchronous call costs a thread-pool round trip per call, which is what
 * made many small files slow.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmodSync, close, closeSync, fsync, linkSync, lstatSync, mkdirSync, open, openSync, renameSync, rmdirSync, unlinkSync, type Stats } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TransferError } from './errors';
import type { ManifestEntry } from './manifest';

const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
/** Mode of finished files (the temp file is 0600 while it holds unverified data). */
const FINAL_MODE = 0o644;
/** Temp files fsynced at the same time by commit(). */
const SYNC_PARALLEL = 16;
const TEMP_SYNC_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0);

interface PendingFile {
  temp: string;
  target: string;
}

export class OutputDir {
  private readonly root: string;
  private readonly createdDirs: string[] = [];
  private readonly pending: PendingFile[] = [];
  private readonly committed: string[] = [];
  /** The descriptor of the temp file being written, if any. */
  private openFd: number | null = null;
  /** Parent directories this transfer already made (createTemp re-checks them, but does not re-make them). */
  private readonly madeDirs = new Set<string>();

  constructor(
    outDir: string,
    private readonly overwrite = false,
  ) {
    this.root = resolve(outDir);
  }

  /** The absolute target path of a (checked) manifest name. */
  targetOf(name: string): string {
    return join(this.root, ...name.split('/'));
  }

  /** Checks targets, parent directories and free space before anything is written. */
  async prepare(entries: ManifestEntry[]): Promise<void> {
    try {
      mkdirSync(this.root, { recursive: true });
    } catch (err) {
      throw new TransferError('io', `Cannot create the output directory ${this.root}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
    }
    const checked = new Set<string>();
    for (const entry of entries) {
      const segments = entry.name.split('/');
      for (let i = 1; i < segments.length; i++) {
        const dir = join(this.root, ...segments.slice(0, i));
        if (checked.has(dir)) continue;
        this.checkParent(dir);
        checked.add(dir);
      }
      const info = lstatOrNull(this.targetOf(entry.name));
      if (info && (!this.overwrite || info.isDirectory())) {
        throw new TransferError('exists', `${this.targetOf(entry.name)} already exists; use --overwrite to replace it.`);
      }
    }
    const total = entries.reduce((sum, e) => sum + e.size, 0);
    const fs = await statfs(this.root);
    const free = Number(fs.bavail) * Number(fs.bsize);
    if (free < total) {
      throw new TransferError('no_space', `Not enough free space in ${this.root}: need ${total} bytes, ${free} available.`);
    }
  }

  /** Creates the temp file for `name` (and its missing parent directories); returns its file descriptor. */
  createTemp(name: string): number {
    const segments = name.split('/');
    let dir = this.root;
    for (const segment of segments.slice(0, -1)) {
      dir = join(dir, segment);
      if (this.madeDirs.has(dir)) this.checkParent(dir);
      else this.makeDir(dir);
    }
    const temp = join(dir, `.sft-${randomBytes(12).toString('hex')}.part`);
    try {
      this.openFd = openSync(temp, TEMP_FLAGS, 0o600);
    } catch (err) {
      throw new TransferError('io', `Cannot create a temporary file in ${dir}: ${(err as NodeJS.ErrnoException).code ?? 'error'}.`);
    }
    this.pending.push({ temp, target: this.targetOf(name) });
    return this.openFd;
  }

  /** Closes the current temp file (commit() fsyncs it). */
  finishTemp(): void {
    const fd = this.openFd;
    if (fd === null) return;
    this.openFd = null;
    closeSync(fd);
  }

  /** Moves every temp file into place. Without overwrite, a target that appeared meanwhile stops (and undoes) it all. */
  async commit(): Promise<void> {
    try {
      // Every temp file is on disk before the first one takes its final name.
      await syncFiles(this.pending.map((file) => file.temp));
      for (const file of this.pending) {
        chmodSync(file.temp, FINAL_MODE);
        if (this.overwrite) renameSync(file.temp, file.target);
        else placeWithoutClobber(file.temp, file.target);
        this.committed.push(file.target);
      }
      this.pending.length = 0;
    } catch (err) {
      if (!this.overwrite) for (const target of this.committed) ignoreError(() => unlinkSync(target));
      if (err instanceof TransferError) throw err;
      throw new TransferError('io', `Cannot move a received file into place: ${(err as Error).message}`);
    }
  }

  /** Removes every temp file and every directory we created (best effort; never throws). */
  async discard(): Promise<void> {
    const fd = this.openFd;
    this.openFd = null;
    if (fd !== null) ignoreError(() => closeSync(fd));
    for (const file of this.pending) ignoreError(() => unlinkSync(file.temp));
    this.pending.length = 0;
    for (const dir of [...this.createdDirs].reverse()) ignoreError(() => rmdirSync(dir));
  }

  /** A parent directory must be absent (we create it) or a real directory, never a symlink or a file. */
  private checkParent(dir: string): void {
    const info = lstatOrNull(dir);
    if (info && !info.isDirectory()) {
      throw new TransferError('unsafe_name', `${dir} exists and is not a directory (symlinks are not followed).`);
    }
  }

  private makeDir(dir: string): void {
    try {
      mkdirSync(dir, { mode: 0o755 });
      this.createdDirs.push(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new TransferError('io', `Cannot create ${dir}: ${(err as NodeJS.ErrnoException).code ?? 'error'}.`);
      }
      this.checkParent(dir);
    }
    this.madeDirs.add(dir);
  }
}

/** link() fails if the target exists, so it never overwrites; fall back to check-then-rename where links are unsupported. */
function placeWithoutClobber(temp: string, target: string): void {
  try {
    linkSync(temp, target);
    unlinkSync(temp);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new TransferError('exists', `${target} appeared during the transfer; nothing was kept.`);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EXDEV') throw err;
  }
  if (lstatOrNull(target)) throw new TransferError('exists', `${target} appeared during the transfer; nothing was kept.`);
  renameSync(temp, target);
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new TransferError('io', `Cannot inspect ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}.`);
  }
}

/** fsyncs every file in `paths`, SYNC_PARALLEL at a time; throws TransferError('io') if one fails. */
async function syncFiles(paths: readonly string[]): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < paths.length) await syncFile(paths[next++]);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(SYNC_PARALLEL, paths.length) }, lane));
  } catch (err) {
    throw new TransferError('io', `Cannot write a received file to disk: ${(err as NodeJS.ErrnoException).code ?? 'error'}.`, false, { cause: err });
  }
}

/** Opens `path` (never through a symlink), fsyncs and closes it. */
function syncFile(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    open(path, TEMP_SYNC_FLAGS, (openError, fd) => {
      if (openError) return reject(openError);
      fsync(fd, (syncError) => {
        close(fd, (closeError) => {
          const error = syncError ?? closeError;
          if (error) reject(error);
          else resolve();
        });
      });
    });
  });
}

/** Best-effort cleanup: the error of `action` is ignored. */
function ignoreError(action: () => void): void {
  try {
    action();
  } catch {
    // cleanup goes on
  }
}
