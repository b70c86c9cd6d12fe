/**
 * Reading a source file the sender sends: positioned chunk reads that notice a file that changed size
 * while it was being sent, and (resume) the per-chunk SHA-256 of a prefix the receiver claims.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { CHUNK_SIZE } from './chunk-cipher';
import { FileHasher } from './digests';
import { TransferError } from './errors';
import type { LocalFile } from './manifest';

export function cannotOpen(path: string, err: unknown): TransferError {
  return new TransferError('io', `Cannot open ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}.`, false, { cause: err });
}

export function changed(path: string): TransferError {
  return new TransferError('io', `${path} changed size while it was being sent; send it again.`);
}

export async function openSource(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (err) {
    throw cannotOpen(path, err);
  }
}

/**
 * Reads `length` bytes at `position` into `buffer` (which has room for one more); returns them.
 * A shorter file, or with `last` a longer one, means it changed while we were sending.
 */
export async function readChunk(handle: FileHandle, buffer: Buffer, length: number, position: number, last: boolean, path: string): Promise<Buffer> {
  const want = last ? length + 1 : length;
  let filled = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, filled, want - filled, position + filled);
    filled += bytesRead;
    if (filled > length) throw changed(path);
    // A regular file reads short only at its end: with `last`, a short read at `length` proves the file did not grow.
    if (filled === length && (!last || bytesRead < want - (filled - bytesRead))) break;
    if (bytesRead === 0) throw changed(path);
  }
  return buffer.subarray(0, length);
}

export interface SourcePrefix {
  /** Hex SHA-256 of each of the first chunks, in order. */
  digests: string[];
  /** CRC32 and SHA-256 of the whole file so far, standing after the prefix. */
  hasher: FileHasher;
}

/**
 * Reads chunks [0, chunks) of `file` once: each chunk's SHA-256 (with `perChunk`) and the whole-file
 * hasher after them. A file now shorter than the prefix (or longer, when the prefix is all of it) is `io`.
 */
export async function readPrefix(file: LocalFile, chunks: number, perChunk: boolean): Promise<SourcePrefix> {
  const hasher = new FileHasher();
  const digests: string[] = [];
  if (chunks === 0) return { digests, hasher };
  const handle = await openSource(file.path);
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_SIZE + 1);
    for (let k = 0; k < chunks; k++) {
      const position = k * CHUNK_SIZE;
      const length = Math.min(CHUNK_SIZE, file.size - position);
      if (length < 0) throw changed(file.path);
      const plain = await readChunk(handle, buffer, length, position, position + length === file.size, file.path);
      hasher.update(plain);
      if (perChunk) digests.push(createHash('sha256').update(plain).digest('hex'));
    }
  } finally {
    await handle.close();
  }
  return { digests, hasher };
}
