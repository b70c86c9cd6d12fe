/**
 * Disk full on the receiver, on a real 2 MiB tmpfs: the free-space check against the announced size
 * refuses before writing, and a disk that fills up during the transfer (someone else writes) ends it
 * with a clear "no space" error and nothing left behind — no file under its name, no temp file.
 * Mounting needs privileges; without them the suite is skipped and says why.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TransferError } from '../../client/src/transfer/errors';
import { attackReceiver, digestsOf } from '../support/hostile-peer/hostile-sender';

const MOUNT_SIZE = '2m';

/** Mounts a tmpfs of MOUNT_SIZE at a fresh directory; the reason when it cannot. */
function mountSmallFs(): { dir: string; reason: null } | { dir: null; reason: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sft-disk-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${MOUNT_SIZE}`, 'tmpfs', dir], { stdio: 'pipe' });
    return { dir, reason: null };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const why = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim().split('\n')[0];
    return { dir: null, reason: `cannot mount a ${MOUNT_SIZE} tmpfs here (${why || 'mount failed'})` };
  }
}

const mounted = mountSmallFs();

afterAll(() => {
  if (!mounted.dir) return;
  try {
    execFileSync('umount', [mounted.dir], { stdio: 'pipe' });
  } finally {
    rmSync(mounted.dir, { recursive: true, force: true });
  }
});

/** Writes to `path` until the file system says ENOSPC. */
async function fillUp(path: string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    const block = Buffer.alloc(64 * 1024, 1);
    for (;;) await handle.write(block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close();
  }
}

(mounted.dir ? describe : describe.skip)(`receiving onto a full disk${mounted.reason ? ` — skipped: ${mounted.reason}` : ''}`, () => {
  const root = mounted.dir ?? '/nonexistent';
  const out = join(root, 'out');

  beforeEach(async () => {
    await writeFile(join(root, 'keep.txt'), 'kept');
  });
  afterEach(() => {
    for (const name of ['out', 'filler.bin', 'keep.txt']) rmSync(join(root, name), { recursive: true, force: true });
  });

  it('refuses, before writing a byte, a manifest larger than the free space of the small file system', async () => {
    const outcome = await attackReceiver({ outDir: out }, async (s) => {
      await s.manifest([{ name: 'huge.bin', size: 3 * 1024 * 1024 }]);
    });
    expect(outcome.error).toBeInstanceOf(TransferError);
    expect((outcome.error as TransferError).code).toBe('no_space');
    expect((outcome.error as TransferError).message).toMatch(/Not enough free space .* need 3145728 bytes/);
    expect(await readdir(root)).toEqual(['keep.txt']); // the output directory it made is gone again
  });

  it('stops with a clear "no space" error and leaves nothing when the disk fills up during the transfer', async () => {
    const data = randomBytes(1024 * 1024);
    const outcome = await attackReceiver({ outDir: out }, async (s) => {
      await s.manifest([{ name: 'data.bin', size: data.length }]);
      const sealed = s.seal(0, data);
      const half = Math.floor(sealed.length / 2);
      await s.chunks(sealed.slice(0, half));
      await fillUp(join(root, 'filler.bin')); // someone else takes the rest of the disk
      await s.chunks(sealed.slice(half));
      await s.fileEnd(0, digestsOf(data));
      await s.trailer(s.sign([{ name: 'data.bin', size: data.length, ...digestsOf(data) }]));
    });
    expect(outcome.error).toBeInstanceOf(TransferError);
    expect((outcome.error as TransferError).code).toBe('io');
    expect((outcome.error as TransferError).message).toMatch(/ENOSPC|no space/i);
    expect((outcome.error as TransferError).message).not.toMatch(/\n/);
    // Neither data.bin nor a .sft-*.part temp file, nor the output directory it made.
    expect((await readdir(root)).sort()).toEqual(['filler.bin', 'keep.txt']);
  });
});
