/* eslint-disable @typescript-eslint/no-explicit-any -- a fake API client answers loosely typed views. */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../src/api/api-client';
import { ApiError } from '../../src/api/api-error';
import { findResumableSend } from '../../src/delivery/pending-upload';
import { PendingSendsFile, type PendingSend, type SourceStamp } from '../../src/state/pending-sends-file';

const SERVER = 'https://127.0.0.1:8443';
const SOURCES: SourceStamp[] = [{ path: '/data/a.bin', name: 'a.bin', size: 10, mtimeMs: 5, ctimeMs: 5, ino: 77 }];

let home: string;
let pending: PendingSendsFile;
let notes: string[];
let withdrawn: string[];
let states: Record<string, string>;

/** Answers GET /deliveries/:id from `states` (404 when absent) and records withdrawals. */
const api = {
  serverUrl: SERVER,
  getDelivery: async (id: string) => {
    if (!states[id]) throw new ApiError(404, 'delivery_not_found', 'No such delivery.');
    return { id, state: states[id], uploadedParts: 3, partCount: 9 } as any;
  },
  withdrawDelivery: async (id: string) => {
    withdrawn.push(id);
    return { id, state: 'withdrawn' } as any;
  },
} as unknown as ApiClient;

const record = (deliveryId: string, files = SOURCES): PendingSend => ({
  version: 1, server: SERVER, sender: 'alice', recipient: 'bob', deliveryId, files, fileKey: Buffer.alloc(32, 1).toString('base64'), createdAt: new Date().toISOString(),
});
const find = (sources = SOURCES) => findResumableSend({ api, pending, sender: 'alice', recipient: 'bob', sources, onNote: (_event, _data, text) => notes.push(text) });
const kept = async () => (await fs.readdir(path.join(home, 'sends')).catch(() => [] as string[])).sort();

beforeEach(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'sft-pending-'));
  pending = new PendingSendsFile(home);
  [notes, withdrawn, states] = [[], [], {}];
});
afterEach(async () => {
  await fs.rm(home, { recursive: true, force: true });
});

describe(findResumableSend.name, () => {
  it('continues a delivery still uploading, from the parts the server holds', async () => {
    await pending.save(record('aaaa-aaaa-aaaa-aaaa'));
    states['aaaa-aaaa-aaaa-aaaa'] = 'uploading';
    const plan = await find();
    expect(plan).toMatchObject({ kind: 'upload', record: { deliveryId: 'aaaa-aaaa-aaaa-aaaa' }, delivery: { uploadedParts: 3 } });
    expect(notes).toEqual([]);
  });

  it('only completes a delivery whose every part is stored', async () => {
    await pending.save(record('aaaa-aaaa-aaaa-aaaa'));
    states['aaaa-aaaa-aaaa-aaaa'] = 'ready';
    expect((await find())?.kind).toBe('complete');
  });

  it('withdraws and forgets it when a source changed size, modification time or inode, and says so', async () => {
    for (const changed of [{ size: 11 }, { mtimeMs: 6 }, { ctimeMs: 6 }, { ino: 78 }]) {
      await pending.save(record('aaaa-aaaa-aaaa-aaaa'));
      states['aaaa-aaaa-aaaa-aaaa'] = 'uploading';
      expect(await find([{ ...SOURCES[0], ...changed }])).toBeNull();
      expect(withdrawn.pop()).toBe('aaaa-aaaa-aaaa-aaaa');
      expect(notes.pop()).toMatch(/\/data\/a\.bin changed since delivery aaaa-aaaa-aaaa-aaaa began.*starting a new delivery/);
      expect(await kept()).toEqual([]);
    }
  });

  it('forgets a delivery the server closed or lost, and says so', async () => {
    await pending.save(record('aaaa-aaaa-aaaa-aaaa'));
    states['aaaa-aaaa-aaaa-aaaa'] = 'expired';
    expect(await find()).toBeNull();
    await pending.save(record('bbbb-bbbb-bbbb-bbbb'));
    expect(await find()).toBeNull();
    expect(notes).toEqual(['Delivery aaaa-aaaa-aaaa-aaaa is expired now; starting a new delivery.', 'Delivery bbbb-bbbb-bbbb-bbbb is no longer on the server; starting a new delivery.']);
    expect(await kept()).toEqual([]);
  });

  it('leaves sends of other sources alone while they upload (with a reminder) and forgets them once closed', async () => {
    const other = [{ ...SOURCES[0], path: '/data/b.bin', name: 'b.bin' }];
    await pending.save(record('aaaa-aaaa-aaaa-aaaa', other));
    await pending.save(record('bbbb-bbbb-bbbb-bbbb', other));
    states['aaaa-aaaa-aaaa-aaaa'] = 'uploading';
    states['bbbb-bbbb-bbbb-bbbb'] = 'received';
    expect(await find()).toBeNull();
    expect(notes).toEqual([expect.stringContaining('Delivery aaaa-aaaa-aaaa-aaaa to bob (other files) is not fully uploaded')]);
    expect(await kept()).toEqual(['aaaa-aaaa-aaaa-aaaa.json']);
    expect(withdrawn).toEqual([]);
  });
});
