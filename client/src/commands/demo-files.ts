/** File helpers for `sft demo`: make random sample data, compare two files byte for byte (streaming). */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

const CHUNK = 1024 * 1024;

/** Writes `size` random bytes to `file`, a chunk at a time. */
export async function writeRandomFile(file: string, size: number): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const handle = await fs.open(file, 'w');
  try {
    for (let written = 0; written < size; written += CHUNK) await handle.write(randomBytes(Math.min(CHUNK, size - written)));
  } finally {
    await handle.close();
  }
}

/** True when both files exist and hold the same bytes. */
export async function filesEqual(a: string, b: string): Promise<boolean> {
  const [left, right] = await Promise.all([fs.open(a, 'r'), fs.open(b, 'r').catch(() => undefined)]);
  if (!right) {
    await left.close();
    return false;
  }
  try {
    if ((await left.stat()).size !== (await right.stat()).size) return false;
    const bufA = Buffer.alloc(CHUNK);
    const bufB = Buffer.alloc(CHUNK);
    for (;;) {
      const [ra, rb] = await Promise.all([left.read(bufA, 0, CHUNK, null), right.read(bufB, 0, CHUNK, null)]);
      if (ra.bytesRead !== rb.bytesRead) return false;
      if (ra.bytesRead === 0) return true;
      if (!bufA.subarray(0, ra.bytesRead).equals(bufB.subarray(0, rb.bytesRead))) return false;
    }
  } finally {
    await Promise.all([left.close(), right.close()]);
  }
}
