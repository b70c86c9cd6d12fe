/**
 * Writing a file atomically: the data goes to a temporary file in the same directory, is flushed,
 * and is renamed over the target, so a reader sees the old or the new content, never half of it.
 * Shared by the CLI's SFT_HOME files (client/src/state) and the dev certificates (make-dev-certs.ts).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** Writes `data` to `file` atomically with `mode` (default 0600), creating its directory 0700 if missing. */
export async function writeFileAtomic(file: string, data: string, mode = PRIVATE_FILE_MODE): Promise<void> {
  const dir = path.dirname(file);
  await ensurePrivateDir(dir);
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(temp, 'wx', mode);
  try {
    await handle.writeFile(data, 'utf8');
    await handle.chmod(mode); // open()'s mode is filtered by the umask; make it exact.
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

/** Creates `dir` (and parents) if missing; a directory we create is mode 0700. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}
