/**
 * Where received files go. Each file is written to a fresh temp file next to its target (created
 * exclusively, never through a symlink), fsynced, and moved into place only by commit(), after every
 * check passed. discard() removes every temp file and every directory we created.
 * A finished temp file's fsync runs in the background (at most SYNC_PARALLEL at a time) while the next
 * file arrives; commit() waits for all of them before the first file moves, so nothing unsynced is
 * ever put in place, and many small files do not pay one disk flush each in sequence.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, link, lstat, mkdir, open, rename, rmdir, statfs, unlink, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TransferError } from './errors';
import type { ManifestEntry } from './manifest';

const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
/** Mode of finished files (the temp file is 0600 while it holds unverified data). */
const FINAL_MODE = 0o644;
/** Finished temp files being fsynced and closed at the same time (open descriptors stay bounded). */
const SYNC_PARALLEL = 32;
/** Files moved into place at the same time by commit(). */
const COMMIT_PARALLEL = 16;

interface PendingFile {
  temp: string;
  target: string;
}

export class OutputDir {
  private readonly root: string;
  private readonly createdDirs: string[] = [];
  private readonly pending: PendingFile[] = [];
  private readonly committed: string[] = [];
  private openHandle: FileHandle | null = null;
  /** Background fsync + close of finished temp files; the first failure is kept for commit(). */
  private readonly syncing = new Set<Promise<void>>();
  private syncFailure: { error: unknown } | null = null;
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
    await mkdir(this.root, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
      throw new TransferError('io', `Cannot create the output directory ${this.root}: ${err.code ?? err.message}.`);
    });
    for (const entry of entries) {
      const segments = entry.name.split('/');
      for (let i = 1; i < segments.length; i++) await this.checkParent(join(this.root, ...segments.slice(0, i)));
      const info = await lstatOrNull(this.targetOf(entry.name));
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

  /** Creates the temp file for `name` (and its missing parent directories); returns its handle. */
  async createTemp(name: string): Promise<FileHandle> {
    const segments = name.split('/');
    let dir = this.root;
    for (const segment of segments.slice(0, -1)) {
      dir = join(dir, segment);
      if (this.madeDirs.has(dir)) await this.checkParent(dir);
      else await this.makeDir(dir);
    }
    const temp = join(dir, `.sft-${randomBytes(12).toString('hex')}.part`);
    try {
      this.openHandle = await open(temp, TEMP_FLAGS, 0o600);
    } catch (err) {
      throw new TransferError('io', `Cannot create a temporary file in ${dir}: ${(err as NodeJS.ErrnoException).code ?? 'error'}.`);
    }
    this.pending.push({ temp, target: this.targetOf(name) });
    return this.openHandle;
  }

  /** Flushes (fsync) and closes the current temp file, in the background; commit() waits for it. */
  async finishTemp(): Promise<void> {
    const handle = this.openHandle;
    if (!handle) return;
    this.openHandle = null;
    while (this.syncing.size >= SYNC_PARALLEL) await Promise.race(this.syncing);
    this.throwIfSyncFailed();
    const done: Promise<void> = handle
      .sync()
      .finally(() => handle.close())
      .then(
        () => undefined,
        (error: unknown) => {
          this.syncFailure ??= { error };
        },
      )
      .finally(() => this.syncing.delete(done));
    this.syncing.add(done);
  }

  /** Moves every temp file into place. Without overwrite, a target that appeared meanwhile stops (and undoes) it all. */
  async commit(): Promise<void> {
    try {
      // Every temp file is on disk before the first one takes its final name.
      await Promise.all(this.syncing);
      this.throwIfSyncFailed();
      await inParallel(this.pending, COMMIT_PARALLEL, async (file) => {
        await chmod(file.temp, FINAL_MODE);
        if (this.overwrite) await rename(file.temp, file.target);
        else await placeWithoutClobber(file.temp, file.target);
        this.committed.push(file.target);
      });
      this.pending.length = 0;
    } catch (err) {
      if (!this.overwrite) for (const target of this.committed) await unlink(target).catch(() => undefined);
      if (err instanceof TransferError) throw err;
      throw new TransferError('io', `Cannot move a received file into place: ${(err as Error).message}`);
    }
  }

  /** Removes every temp file and every directory we created (best effort; never throws). */
  async discard(): Promise<void> {
    await this.openHandle?.close().catch(() => undefined);
    this.openHandle = null;
    await Promise.all(this.syncing);
    for (const file of this.pending) await unlink(file.temp).catch(() => undefined);
    this.pending.length = 0;
    for (const dir of [...this.createdDirs].reverse()) await rmdir(dir).catch(() => undefined);
  }

  private throwIfSyncFailed(): void {
    const failure = this.syncFailure;
    if (!failure) return;
    const code = (failure.error as NodeJS.ErrnoException).code ?? 'error';
    throw new TransferError('io', `Cannot write a received file to disk: ${code}.`, false, { cause: failure.error });
  }

  /** A parent directory must be absent (we create it) or a real directory, never a symlink or a file. */
  private async checkParent(dir: string): Promise<void> {
    const info = await lstatOrNull(dir);
    if (info && !info.isDirectory()) {
      throw new TransferError('unsafe_name', `${dir} exists and is not a directory (symlinks are not followed).`);
    }
  }

  private async makeDir(dir: string): Promise<void> {
    try {
      await mkdir(dir, { mode: 0o755 });
      this.createdDirs.push(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new TransferError('io', `Cannot create ${dir}: ${(err as NodeJS.ErrnoException).code ?? 'error'}.`);
      }
      await this.checkParent(dir);
    }
    this.madeDirs.add(dir);
  }
}

/** Runs `work` over `items`, at most `limit` at a time; rejects with the first failure after all started ones settled. */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const lane = async (): Promise<void> => {
    while (next < items.length && !failure) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw (failure as { error: unknown }).error;
}

/** link() fails if the target exists, so it never overwrites; fall back to check-then-rename where links are unsupported. */
async function placeWithoutClobber(temp: string, target: string): Promise<void> {
  try {
    await link(temp, target);
    await unlink(temp);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new TransferError('exists', `${target} appeared during the transfer; nothing was kept.`);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EXDEV') throw err;
  }
  if (await lstatOrNull(target)) throw new TransferError('exists', `${target} appeared during the transfer; nothing was kept.`);
  await rename(temp, target);
}

async function lstatOrNull(path: string): Promise<Awaited<ReturnType<typeof lstat>> | null> {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new TransferError('io', `Cannot inspect ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}.`);
  }
}
