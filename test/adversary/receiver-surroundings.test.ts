/** receiveFiles when the output directory itself is hostile: symlinks planted where files will land. */
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { receiveFiles, TransferError } from '../../client/src/transfer';
import { snapshotTree, withArena } from '../support/hostile-peer/fs-snapshot';
import { attackReceiver, type HostileSender } from '../support/hostile-peer/hostile-sender';

const payload = Buffer.from('attacker data\n');
const offer = (name: string) => (s: HostileSender) => s.sendAll([{ name, data: payload }]);

describe(`${receiveFiles.name} in a hostile output directory`, () => {
  it('does not follow a symlink named like the incoming file (no overwrite): refused, target untouched', async () => {
    await withArena(async (arena) => {
      await symlink(join(arena.outside, 'secret.txt'), join(arena.outDir, 'report.txt'));
      const before = await snapshotTree(arena.root);
      const outcome = await attackReceiver({ outDir: arena.outDir }, offer('report.txt'));
      expect(outcome.error).toMatchObject({ code: 'exists' });
      expect(await snapshotTree(arena.root)).toEqual(before);
    });
  });

  it('replaces the symlink itself, never its target, when overwriting', async () => {
    await withArena(async (arena) => {
      await symlink(join(arena.outside, 'secret.txt'), join(arena.outDir, 'report.txt'));
      const outsideBefore = await snapshotTree(arena.outside);
      const outcome = await attackReceiver({ outDir: arena.outDir, overwrite: true }, offer('report.txt'));
      expect(outcome.error).toBeUndefined();
      expect(await snapshotTree(arena.outside)).toEqual(outsideBefore);
      expect((await snapshotTree(arena.outDir)).find((l) => l.startsWith('report.txt'))).toMatch(/^report\.txt file /);
    });
  });

  it('does not write through a symlinked parent directory', async () => {
    await withArena(async (arena) => {
      await symlink(arena.outside, join(arena.outDir, 'docs'));
      const before = await snapshotTree(arena.root);
      const outcome = await attackReceiver({ outDir: arena.outDir }, offer('docs/new.txt'));
      expect(outcome.error).toMatchObject({ code: 'unsafe_name' });
      expect(await snapshotTree(arena.root)).toEqual(before);
    });
  });

  it('does not write through a symlinked parent directory even when overwriting', async () => {
    await withArena(async (arena) => {
      await symlink(arena.outside, join(arena.outDir, 'docs'));
      const before = await snapshotTree(arena.root);
      const outcome = await attackReceiver({ outDir: arena.outDir, overwrite: true }, offer('docs/secret.txt'));
      expect(outcome.error).toMatchObject({ code: 'unsafe_name' });
      expect(await snapshotTree(arena.root)).toEqual(before);
    });
  });

  it('keeps an existing file when overwrite is not set', async () => {
    await withArena(async (arena) => {
      const outcome = await attackReceiver({ outDir: arena.outDir }, offer('keep.txt'));
      expect(outcome.error).toBeInstanceOf(TransferError);
      expect(outcome.error).toMatchObject({ code: 'exists' });
      expect(await readFile(join(arena.outDir, 'keep.txt'), 'utf8')).toBe('already here\n');
    });
  });

  it('never replaces an existing directory, even when overwriting', async () => {
    await withArena(async (arena) => {
      await mkdir(join(arena.outDir, 'photos'));
      await writeFile(join(arena.outDir, 'photos', 'a.jpg'), 'jpg');
      const before = await snapshotTree(arena.root);
      const outcome = await attackReceiver({ outDir: arena.outDir, overwrite: true }, offer('photos'));
      expect(outcome.error).toMatchObject({ code: 'exists' });
      expect(await snapshotTree(arena.root)).toEqual(before);
    });
  });

  it('refuses (and undoes) when a symlink appears at the target during the transfer', async () => {
    await withArena(async (arena) => {
      const outcome = await attackReceiver({ outDir: arena.outDir }, async (s) => {
        await s.manifest([{ name: 'late.txt', size: payload.length }]);
        const d = await s.sendFile(0, payload);
        await symlink(join(arena.outside, 'secret.txt'), join(arena.outDir, 'late.txt')); // planted after the checks
        await s.trailer(s.sign([{ name: 'late.txt', size: payload.length, ...d }]));
      });
      expect(outcome.error).toMatchObject({ code: 'exists' });
      expect(await readFile(join(arena.outside, 'secret.txt'), 'utf8')).toBe('do not touch\n');
      expect((await snapshotTree(arena.outDir)).filter((l) => l.includes('.part'))).toEqual([]);
    });
  });

  it('puts back the files it already replaced when a later one cannot be placed (--overwrite): --out as it was', async () => {
    await withArena(async (arena) => {
      const outcome = await attackReceiver({ outDir: arena.outDir, overwrite: true }, async (s) => {
        await s.manifest([{ name: 'keep.txt', size: payload.length }, { name: 'late.txt', size: payload.length }]);
        const d0 = await s.sendFile(0, payload);
        const d1 = await s.sendFile(1, payload);
        // Once the receiver holds both temp files (past its checks), a directory appears where the second file goes.
        while ((await readdir(arena.outDir)).filter((n) => n.endsWith('.part')).length < 2) await new Promise((r) => setTimeout(r, 5));
        await mkdir(join(arena.outDir, 'late.txt'));
        await writeFile(join(arena.outDir, 'late.txt', 'inside.txt'), 'mine');
        await s.trailer(s.sign([{ name: 'keep.txt', size: payload.length, ...d0 }, { name: 'late.txt', size: payload.length, ...d1 }]));
      });
      expect(outcome.error).toBeInstanceOf(TransferError);
      expect(await snapshotTree(arena.outDir)).toEqual([
        expect.stringMatching(/^keep\.txt file 13 /),
        'late.txt/ dir',
        expect.stringMatching(/^late\.txt\/inside\.txt file 4 /),
      ]);
      expect(await readFile(join(arena.outDir, 'keep.txt'), 'utf8')).toBe('already here\n');
    });
  });
});
