import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Reads a base64 secret from `path`, or makes one of `bytes` random bytes and writes it there
 * with mode 0600 on first use. The file is created exclusively, so two starts cannot race.
 */
export function readOrCreateSecretFile(path: string, bytes: number): Buffer {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(path, `${randomBytes(bytes).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  chmodSync(path, 0o600);
  const value = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (value.length !== bytes) {
    throw new Error(`Invalid secret file ${path}: expected base64 of ${bytes} bytes; delete it to make a new one.`);
  }
  return value;
}
