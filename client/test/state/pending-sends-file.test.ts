import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PendingSendsFile, type PendingSend } from '../../src/state/pending-sends-file';

let home: string;
let sends: PendingSendsFile;
beforeEach(async () => {
  home = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'sft-sends-')), 'home');
  sends = new PendingSendsFile(home);
});
afterEach(async () => {
  await fs.rm(path.dirname(home), { recursive: true, force: true });
});

const record = (deliveryId: string, extra: Partial<PendingSend> = {}): PendingSend => ({
  version: 1,
  server: 'https://127.0.0.1:8443',
  sender: 'alice',
  recipient: 'bob',
  deliveryId,
  files: [{ path: '/tmp/a.bin', name: 'a.bin', size: 3, mtimeMs: 1, ctimeMs: 1, ino: 2 }],
  fileKey: Buffer.alloc(32, 7).toString('base64'),
  createdAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});

describe(PendingSendsFile.name, () => {
  it('keeps one 0600 file per delivery in a 0700 directory and forgets it on delete', async () => {
    await sends.save(record('aaaa-bbbb-cccc-dddd'));
    const file = path.join(home, 'sends', 'aaaa-bbbb-cccc-dddd.json');
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect((await fs.stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect(await fs.readdir(path.dirname(file))).toEqual(['aaaa-bbbb-cccc-dddd.json']); // no temp file left
    await sends.delete('aaaa-bbbb-cccc-dddd');
    await expect(fs.stat(file)).rejects.toThrow();
  });

  it('finds the records of one server, sender and recipient (any case), oldest first', async () => {
    await sends.save(record('aaaa-aaaa-aaaa-aaa2', { createdAt: '2026-01-02T00:00:00.000Z' }));
    await sends.save(record('aaaa-aaaa-aaaa-aaa1'));
    await sends.save(record('aaaa-aaaa-aaaa-aaa3', { recipient: 'carol' }));
    await sends.save(record('aaaa-aaaa-aaaa-aaa4', { server: 'https://other.example' }));
    const found = await sends.find('https://127.0.0.1:8443/', 'Alice', 'BOB');
    expect(found.map((r) => r.deliveryId)).toEqual(['aaaa-aaaa-aaaa-aaa1', 'aaaa-aaaa-aaaa-aaa2']);
  });

  it('answers nothing when there is no directory, and skips files that are not records', async () => {
    expect(await sends.find('https://127.0.0.1:8443', 'alice', 'bob')).toEqual([]);
    await fs.mkdir(path.join(home, 'sends'), { recursive: true });
    await fs.writeFile(path.join(home, 'sends', 'notes.json'), '{}');
    await fs.writeFile(path.join(home, 'sends', 'aaaa-bbbb-cccc-dddd.json'), 'not json');
    expect(await sends.find('https://127.0.0.1:8443', 'alice', 'bob')).toEqual([]);
  });

  it('refuses an id that could name another path', async () => {
    await expect(sends.save(record('../../identity'))).rejects.toThrow('Not a delivery id');
    await sends.delete('../../identity'); // no error, nothing removed
  });
});
