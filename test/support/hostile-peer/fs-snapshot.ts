/** File-system evidence: a temp area with an "outside" sentinel, and exact recursive snapshots to compare. */
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

/** One line per entry: "path type detail" (files: size + SHA-256, symlinks: target). Sorted. */
export async function snapshotTree(root: string): Promise<string[]> {
  const lines: string[] = [];
  async function visit(dir: string): Promise<void> {
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      const rel = relative(root, path).split('\\').join('/');
      const info = await lstat(path);
      if (info.isSymbolicLink()) lines.push(`${rel} symlink -> ${await readlink(path)}`);
      else if (info.isDirectory()) {
        lines.push(`${rel}/ dir`);
        await visit(path);
      } else if (info.isFile()) {
        const sha = createHash('sha256').update(await readFile(path)).digest('hex');
        lines.push(`${rel} file ${info.size} ${sha.slice(0, 16)}`);
      } else lines.push(`${rel} other`);
    }
  }
  await visit(root);
  return lines.sort();
}

export interface Arena {
  /** The temp root holding everything below; the snapshot covers all of it. */
  root: string;
  /** The receiver's output directory (exists, holds `keep.txt`). */
  outDir: string;
  /** A sibling directory the receiver must never touch (holds `secret.txt`). */
  outside: string;
}

/** Runs `fn` with a fresh arena, removed afterwards. */
export async function withArena<T>(fn: (arena: Arena) => Promise<T>): Promise<T> {
  const root = await mkdtemp(join(tmpdir(), 'sft-adversary-'));
  const arena = { root, outDir: join(root, 'out'), outside: join(root, 'outside') };
  try {
    await mkdir(arena.outDir);
    await mkdir(arena.outside);
    await writeFile(join(arena.outDir, 'keep.txt'), 'already here\n');
    await writeFile(join(arena.outside, 'secret.txt'), 'do not touch\n');
    return await fn(arena);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Runs `fn` with a fresh empty temp directory, removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'sft-transfer-test-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every file (not directory) under `dir`, relative, with '/' separators (to check nothing was left behind). */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'))
    .sort();
}
