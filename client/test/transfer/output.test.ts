import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diskSync, type DiskSync } from '../../src/transfer/disk-sync';
import { TransferError } from '../../src/transfer/errors';
import { OutputDir } from '../../src/transfer/output';
import { snapshotTree, withTempDir } from '../../../test/support/hostile-peer';

const NAMES = ['top.txt', 'sub/a.txt', 'sub/deeper/b.txt', 'other/c.txt'];

/** The real DiskSync, recording each call and what was on disk at that moment. */
function recordingDisk(out: string, names: string[]) {
  const calls: { step: 'files' | 'dirs'; paths: string[]; placedThen: number; tempsThen: number }[] = [];
  const record = (step: 'files' | 'dirs', paths: readonly string[]) => {
    calls.push({
      step,
      paths: [...paths].sort(),
      placedThen: names.filter((n) => existsSync(join(out, n))).length,
      tempsThen: paths.filter((p) => existsSync(p)).length,
    });
  };
  const disk: DiskSync = {
    files: async (paths) => {
      record('files', paths);
      await diskSync.files(paths);
    },
    dirs: async (paths) => {
      record('dirs', paths);
      await diskSync.dirs(paths);
    },
  };
  return { disk, calls };
}

/** Writes `names` (content = the name) through `output` up to, not including, commit(). */
async function receive(output: OutputDir, names: string[]): Promise<void> {
  await output.prepare(names.map((name) => ({ name, size: name.length })));
  for (const name of names) {
    const handle = await output.createTemp(name);
    await handle.write(Buffer.from(name), 0, name.length);
    await output.finishTemp();
  }
}

describe(OutputDir.name, () => {
  it('fsyncs every temp file before the first one is placed, then each directory that received entries', async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'made', 'out');
      const { disk, calls } = recordingDisk(out, NAMES);
      const output = new OutputDir(out, false, undefined, disk);
      await receive(output, NAMES);
      await output.commit();

      expect(calls.map((c) => c.step)).toEqual(['files', 'dirs']);
      const [files, dirs] = calls;
      expect(files.paths).toHaveLength(NAMES.length);
      expect(files.tempsThen).toBe(NAMES.length);
      expect(files.paths.every((p) => /\.sft-[0-9a-f]{24}\.part$/.test(p))).toBe(true);
      expect(files.placedThen).toBe(0);
      expect(dirs.placedThen).toBe(NAMES.length);
      // Each target's directory, and the parent of every directory we made (down from `dir`, which existed).
      expect(dirs.paths).toEqual([dir, join(dir, 'made'), out, join(out, 'other'), join(out, 'sub'), join(out, 'sub', 'deeper')].sort());
      for (const name of NAMES) expect(await readFile(join(out, name), 'utf8')).toBe(name);
    });
  });

  it('places nothing and leaves the output as before when a temp file cannot be fsynced', async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'out');
      await mkdir(out);
      await writeFile(join(out, 'keep.txt'), 'already here');
      const before = await snapshotTree(dir);
      const failing: DiskSync = { files: () => Promise.reject(new TransferError('io', 'Cannot write a received file to disk: EIO.')), dirs: diskSync.dirs };
      const output = new OutputDir(out, false, undefined, failing);
      await receive(output, NAMES);
      await expect(output.commit()).rejects.toMatchObject({ code: 'io' });
      await output.discard();
      expect(await snapshotTree(dir)).toEqual(before);
    });
  });

  it('puts the originals back when the directories cannot be fsynced after an overwrite', async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'out');
      await mkdir(join(out, 'sub'), { recursive: true });
      await writeFile(join(out, 'top.txt'), 'original top');
      await writeFile(join(out, 'sub', 'a.txt'), 'original a');
      const before = await snapshotTree(dir);
      let placedWhenDirsSynced = 0;
      const failing: DiskSync = {
        files: diskSync.files,
        dirs: () => {
          placedWhenDirsSynced = NAMES.filter((n) => existsSync(join(out, n))).length;
          return Promise.reject(new TransferError('io', 'Cannot make the received files durable: EIO.'));
        },
      };
      const output = new OutputDir(out, true, undefined, failing);
      await receive(output, NAMES);
      await expect(output.commit()).rejects.toMatchObject({ code: 'io' });
      await output.discard();
      expect(placedWhenDirsSynced).toBe(NAMES.length);
      expect(await snapshotTree(dir)).toEqual(before);
    });
  });

  it('removes the placed files when the directories cannot be fsynced (no overwrite)', async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'out');
      await mkdir(out);
      const before = await snapshotTree(dir);
      const failing: DiskSync = { files: diskSync.files, dirs: () => Promise.reject(new TransferError('io', 'EIO')) };
      const output = new OutputDir(out, false, undefined, failing);
      await receive(output, NAMES);
      await expect(output.commit()).rejects.toMatchObject({ code: 'io' });
      await output.discard();
      expect(await snapshotTree(dir)).toEqual(before);
    });
  });

  for (const overwrite of [false, true]) {
    it(`leaves the output as before when the process exits while commit() syncs the directories (overwrite: ${overwrite})`, async () => {
      await withTempDir(async (dir) => {
        const out = join(dir, 'out');
        await mkdir(out);
        await writeFile(join(out, 'top.txt'), 'original top');
        const before = await snapshotTree(dir);
        let reached: () => void = () => undefined;
        const inDirs = new Promise<void>((resolve) => (reached = resolve));
        const stuck: DiskSync = { files: diskSync.files, dirs: () => (reached(), new Promise<void>(() => undefined)) };
        const output = new OutputDir(out, overwrite, undefined, stuck);
        await receive(output, overwrite ? NAMES : NAMES.slice(1));
        void output.commit();
        await inDirs;
        output.discardSync(); // what the exit hook runs
        expect(await snapshotTree(dir)).toEqual(before);
      });
    });
  }
});

describe('diskSync', () => {
  it('fsyncs real files and directories', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'f'), 'x');
      await diskSync.files([join(dir, 'f')]);
      await diskSync.dirs([dir, dirname(dir)]);
    });
  });

  it('refuses a file that is gone, and never follows a symlink', async () => {
    await withTempDir(async (dir) => {
      await expect(diskSync.files([join(dir, 'missing')])).rejects.toMatchObject({ code: 'io' });
      await writeFile(join(dir, 'real'), 'x');
      await symlink(join(dir, 'real'), join(dir, 'link'));
      await expect(diskSync.files([join(dir, 'link')])).rejects.toMatchObject({ code: 'io' });
    });
  });

  it.skipIf(process.platform === 'win32')('refuses a FIFO put in place of a temp file instead of hanging on it', async () => {
    await withTempDir(async (dir) => {
      execFileSync('mkfifo', [join(dir, 'fifo')]);
      await expect(diskSync.files([join(dir, 'fifo')])).rejects.toMatchObject({ code: 'io' });
    });
  });
});
