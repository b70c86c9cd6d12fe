/** receiveFiles when the output directory itself is hostile: symlinks planted where files will land. */
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
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
});
