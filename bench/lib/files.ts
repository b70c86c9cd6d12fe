/**
 * Generated input files, scratch directories and free-space checks. Everything made here is deleted by the caller via `rmSync`.
 * Inputs are on disk (fsynced) before they are returned: a tool that fsyncs what it receives (sft does, scp
 * does not) must not pay for writing back the bench's own fresh inputs, which ext4 flushes with any fsync.
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

const WRITE_CHUNK = 4 * 1024 * 1024;

/** A fresh scratch directory under the system temp dir (mode 0700). */
export function scratchDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `sft-bench-${label}-`));
}

/** Bytes free for an unprivileged user on the file system holding `dir`. */
export function freeBytes(dir: string): number {
  const stats = statfsSync(dir);
  return stats.bavail * stats.bsize;
}

/**
 * Writes `size` incompressible bytes to `path` and returns their SHA-256 (hex).
 * The bytes are AES-256-CTR keystream under a random key: indistinguishable from random and far faster than randomBytes.
 */
export async function writeRandomFile(path: string, size: number): Promise<string> {
  const cipher = createCipheriv('aes-256-ctr', randomBytes(32), randomBytes(16));
  const zeros = Buffer.alloc(WRITE_CHUNK);
  const hash = createHash('sha256');
  const out = createWriteStream(path, { mode: 0o600 });
  async function* chunks() {
    for (let left = size; left > 0; left -= WRITE_CHUNK) {
      const block = cipher.update(left >= WRITE_CHUNK ? zeros : zeros.subarray(0, left));
      hash.update(block);
      yield block;
    }
  }
  await pipeline(chunks, out);
  syncPath(path);
  return hash.digest('hex');
}

/** `count` random files of `size` bytes in a new directory `dir`; returns the total bytes. */
export function writeManySmallFiles(dir: string, count: number, size: number): number {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) writeFileSync(join(dir, `f${String(i).padStart(5, '0')}.bin`), randomBytes(size), { mode: 0o600, flush: true });
  syncPath(dir);
  return count * size;
}

/** SHA-256 (hex) of a file, streamed. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path, { highWaterMark: WRITE_CHUNK }), hash);
  return hash.digest('hex');
}

/** Regular files under `dir`, recursively: how many and how many bytes in all. */
export function countFiles(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files += 1;
    bytes += statSync(join(entry.parentPath ?? entry.path, entry.name)).size;
  }
  return { files, bytes };
}

/** fsyncs a file or directory. */
export function syncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
