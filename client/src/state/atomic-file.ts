/**
 * Files in SFT_HOME: JSON read with a fallback and written atomically (see certs/src/atomic-file.ts),
 * directories 0700, files 0600 unless told otherwise.
 */
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../../../certs/src/atomic-file';

/** Reads and parses a JSON file; `fallback` when it does not exist. */
export async function readJsonFile<T>(file: string, fallback: T): Promise<T> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw error;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${file} is not valid JSON. Fix or delete it.`);
  }
}

/** Writes `value` as pretty JSON, atomically, mode 0600. */
export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}
