/**
 * Issue 13: the server's delivery store fills up in the middle of an upload (a real 4 MiB tmpfs as
 * SFT_STORE_DIR). The sender gets a clear one-line error (exit 1, HTTP 507 storage_full), the partial upload
 * is removed, and the recipient is never offered anything. Mounting needs privileges; without them the
 * suite is skipped and says why.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExit, SftUser, startSftServer, writeRandomFile, type SftServer } from '../support/sft-process';

function mountSmallFs(): { dir: string; reason: null } | { dir: null; reason: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sft-store-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir], { stdio: 'pipe' });
    return { dir, reason: null };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const why = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim().split('\n')[0];
    return { dir: null, reason: `cannot mount a 4 MiB tmpfs here (${why || 'mount failed'})` };
  }
}

const mounted = mountSmallFs();
const title = mounted.dir ? 'a full delivery store' : `a full delivery store — skipped: ${mounted.reason}`;

(mounted.dir ? describe : describe.skip)(title, () => {
  let server: SftServer;
  let alice: SftUser;
  let bob: SftUser;

  beforeAll(async () => {
    server = await startSftServer({ SFT_STORE_DIR: join(mounted.dir!, 'store') });
    [alice, bob] = await Promise.all(['alice', 'bob'].map((name) => SftUser.create(name, server)));
    await Promise.all([alice.register(), bob.register()]);
    await writeRandomFile(join(alice.dir, 'big.bin'), 8 * 1024 * 1024);
  });

  afterAll(async () => {
    await server?.stop();
    await Promise.all([alice, bob].map((user) => user?.cleanUp()));
    execFileSync('umount', [mounted.dir!], { stdio: 'pipe' });
    rmSync(mounted.dir!, { recursive: true, force: true });
  });

  it('fails the upload cleanly with a one-line error, removes the partial upload, and offers nothing', async () => {
    const sent = await alice.run(['send', 'big.bin', '--to', 'bob']);
    expect(sent.code).toBe(1);
    expect(sent.stderr).toMatch(/no room to store this upload/);
    expect(sent.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(await readdir(join(mounted.dir!, 'store'))).toEqual([]);
    const inbox = expectExit(await bob.run(['inbox', '--json']), 0);
    expect(inbox.stdout.trim()).toBe('');
    expect(expectExit(await alice.run(['sessions']), 0).stdout).toMatch(/stored-sent\s+withdrawn/);
  });
});
