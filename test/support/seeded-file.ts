/**
 * Big test files fast and reproducibly: the AES-256-CTR keystream of a key derived from `seed`
 * (hundreds of MiB/s, the same bytes for the same seed), written 4 MiB at a time.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

const BLOCK = 4 * 1024 * 1024;

/** Writes `size` bytes of the seeded stream to `file` (created or replaced). */
export async function writeSeededFile(file: string, size: number, seed: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const key = createHash('sha256').update(`sft-test/${seed}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(BLOCK);
  const handle = await fs.open(file, 'w');
  try {
    for (let done = 0; done < size; done += BLOCK) await handle.write(cipher.update(zeros.subarray(0, Math.min(BLOCK, size - done))));
  } finally {
    await handle.close();
  }
}
