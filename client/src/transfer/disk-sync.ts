/**
 * Making received files durable in bulk, for OutputDir.commit(): `files` fsyncs every finished temp
 * file (reopened by path, never through a symlink), SYNC_PARALLEL at a time, and commit() calls it
 * before the first file is moved into place; `dirs` then fsyncs each directory that received entries,
 * so the moves survive a crash too. One fsync per file as it completed made each file wait for its own
 * journal commit (ext4) in turn; side by side at the end, the flushes share the commits.
 * The open and close are synchronous (microseconds for a file we just wrote); only the fsync itself
 * goes to the thread pool.
 */
import { closeSync, constants, fsync, openSync } from 'node:fs';
import { promisify } from 'node:util';
import { TransferError } from './errors';

/** How OutputDir makes its files durable; tests inject one that records what happens when. */
export interface DiskSync {
  /** fsyncs every file in `paths`; rejects with TransferError('io') if one fails. */
  files(paths: readonly string[]): Promise<void>;
  /** fsyncs every directory in `paths` (where the platform can); rejects with TransferError('io') if one fails. */
  dirs(paths: readonly string[]): Promise<void>;
}

/** fsyncs running at once: enough to keep the thread pool and the disk queue busy, few descriptors. */
export const SYNC_PARALLEL = 16;

/**
 * Write access because Windows flushes only through a writable handle (nothing is written); never a
 * symlink; non-blocking so a FIFO swapped in for a temp file fails (fsync: EINVAL) instead of hanging the open.
 */
const FILE_FLAGS = constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
const DIR_FLAGS = constants.O_RDONLY | (constants.O_DIRECTORY ?? 0);
/** A directory that cannot be opened or fsynced on this platform (Windows, some network file systems): nothing to do. */
const DIR_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EBADF']);

const fsyncAsync = promisify(fsync);

export const diskSync: DiskSync = {
  files: (paths) => syncAll(paths, FILE_FLAGS, 'Cannot write a received file to disk'),
  dirs: (paths) =>
    syncAll(paths, DIR_FLAGS, 'Cannot make the received files durable', (err) => DIR_SYNC_UNSUPPORTED.has((err as NodeJS.ErrnoException).code ?? '')),
};

/**
 * Opens, fsyncs and closes each path, SYNC_PARALLEL at a time. After a failure no new one starts, and
 * it rejects only once the running ones are done (no descriptor outlives the call).
 */
async function syncAll(paths: readonly string[], flags: number, what: string, ignore: (err: unknown) => boolean = () => false): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const lane = async (): Promise<void> => {
    while (next < paths.length && !failure) {
      try {
        await syncOne(paths[next++], flags);
      } catch (error) {
        if (!ignore(error)) failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(SYNC_PARALLEL, paths.length) }, lane));
  if (failure) {
    const { error } = failure;
    throw new TransferError('io', `${what}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`, false, { cause: error });
  }
}

async function syncOne(path: string, flags: number): Promise<void> {
  const fd = openSync(path, flags);
  try {
    await fsyncAsync(fd);
  } finally {
    closeSync(fd);
  }
}
