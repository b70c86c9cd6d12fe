import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJsonFile } from '../../src/state/atomic-file';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sft-atomic-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe(readJsonFile.name, () => {
  it('returns the fallback when the file does not exist', async () => {
    expect(await readJsonFile(path.join(dir, 'missing.json'), { empty: true })).toEqual({ empty: true });
  });

  it('names the file when its JSON is broken', async () => {
    const file = path.join(dir, 'bad.json');
    await fs.writeFile(file, '{nope');
    await expect(readJsonFile(file, {})).rejects.toThrow(/bad\.json is not valid JSON/);
  });
});
