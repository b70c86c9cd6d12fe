import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/atomic-file';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sft-atomic-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe(writeFileAtomic.name, () => {
  it('writes the file with mode 0600', async () => {
    const file = path.join(dir, 'secret.json');
    await writeFileAtomic(file, 'hello');
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
  });

  it('writes the mode it is given, exactly, whatever the umask', async () => {
    const file = path.join(dir, 'ca.pem');
    await writeFileAtomic(file, 'public', 0o644);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o644);
  });

  it('creates missing directories with mode 0700', async () => {
    const file = path.join(dir, 'a', 'b', 'x.json');
    await writeFileAtomic(file, 'x');
    expect((await fs.stat(path.join(dir, 'a', 'b'))).mode & 0o777).toBe(0o700);
  });

  it('replaces existing content completely and leaves no temporary files behind', async () => {
    const file = path.join(dir, 'x.json');
    await writeFileAtomic(file, 'a much longer first version');
    await writeFileAtomic(file, 'short');
    expect(await fs.readFile(file, 'utf8')).toBe('short');
    expect(await fs.readdir(dir)).toEqual(['x.json']);
  });

  it('tightens an existing file that was world-readable to 0600', async () => {
    const file = path.join(dir, 'x.json');
    await fs.writeFile(file, 'old', { mode: 0o644 });
    await writeFileAtomic(file, 'new');
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
  });

  it('keeps the old content when the write fails', async () => {
    const file = path.join(dir, 'x.json');
    await writeFileAtomic(file, 'old');
    await fs.mkdir(path.join(dir, 'blocker'));
    await expect(writeFileAtomic(path.join(dir, 'blocker'), 'new')).rejects.toThrow();
    expect(await fs.readFile(file, 'utf8')).toBe('old');
    expect((await fs.readdir(dir)).sort()).toEqual(['blocker', 'x.json']);
  });
});
