/* eslint-disable @typescript-eslint/no-explicit-any -- a fake API client answers loosely typed values. */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../src/api/api-client';
import { ApiError } from '../../src/api/api-error';
import { PartialDownloads } from '../../src/delivery/partial-download';
import { TransferError } from '../../src/transfer/errors';

const SERVER = 'https://127.0.0.1:8443';
const ID = 'aaaa-bbbb-cccc-dddd';
const BLOB = randomBytes(300_000);

let home: string;
let partials: PartialDownloads;
let asked: number[];

/** A download answer: `body` in pieces, as the server would send it for a request from byte `from`. */
function answer(body: Buffer, status: number, contentRange?: string, failAfter?: number): any {
  const pieces = [];
  for (let i = 0; i < body.length; i += 65536) pieces.push(body.subarray(i, i + 65536));
  const stream = Readable.from(
    (async function* () {
      let sent = 0;
      for (const piece of pieces) {
        if (failAfter !== undefined && sent >= failAfter) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
        sent += piece.length;
        yield piece;
      }
    })(),
  );
  return Object.assign(stream, { statusCode: status, headers: contentRange ? { 'content-range': contentRange } : {} });
}

/** A server that honours `Range` (206), or ignores it (200) when `honoursRange` is false. */
function server(opts: { honoursRange?: boolean; body?: Buffer; failAfter?: number } = {}): ApiClient {
  const body = opts.body ?? BLOB;
  return {
    serverUrl: SERVER,
    downloadDelivery: async (_id: string, _signal: unknown, from = 0) => {
      asked.push(from);
      if (from > 0 && opts.honoursRange !== false) return answer(body.subarray(from), 206, `bytes ${from}-${body.length - 1}/${body.length}`, opts.failAfter);
      return answer(body, 200, undefined, opts.failAfter);
    },
  } as unknown as ApiClient;
}

const onDisk = () => fs.readFile(partials.fileOf(ID));

beforeEach(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'sft-partial-'));
  partials = new PartialDownloads(home, SERVER, 'bob');
  asked = [];
});
afterEach(async () => {
  await fs.rm(home, { recursive: true, force: true });
});

async function keep(bytes: Buffer): Promise<void> {
  await fs.mkdir(partials.dir, { recursive: true });
  await fs.writeFile(partials.fileOf(ID), bytes);
}

describe(PartialDownloads.name, () => {
  it('downloads everything into a 0600 file in a 0700 directory when nothing is kept', async () => {
    expect(await partials.complete(server(), ID, BLOB.length)).toBe(0);
    expect(asked).toEqual([0]);
    expect((await onDisk()).equals(BLOB)).toBe(true);
    expect((await fs.stat(partials.fileOf(ID))).mode & 0o777).toBe(0o600);
    expect((await fs.stat(partials.dir)).mode & 0o777).toBe(0o700);
  });

  it('asks only for the rest of what is kept, and appends it', async () => {
    await keep(BLOB.subarray(0, 123_457));
    expect(await partials.complete(server(), ID, BLOB.length)).toBe(123_457);
    expect(asked).toEqual([123_457]);
    expect((await onDisk()).equals(BLOB)).toBe(true);
  });

  it('starts over when the server answers the whole blob instead of the range', async () => {
    await keep(Buffer.alloc(1000, 9)); // would be wrong if kept
    expect(await partials.complete(server({ honoursRange: false }), ID, BLOB.length)).toBe(0);
    expect((await onDisk()).equals(BLOB)).toBe(true);
  });

  it('starts over when more is kept than the delivery has', async () => {
    await keep(Buffer.concat([BLOB, Buffer.alloc(10)]));
    expect(await partials.complete(server(), ID, BLOB.length)).toBe(0);
    expect(asked).toEqual([0]);
    expect((await onDisk()).equals(BLOB)).toBe(true);
  });

  it('keeps what arrived when the download breaks off (peer_closed), and the next run continues from there', async () => {
    const broken = partials.complete(server({ failAfter: 131_072 }), ID, BLOB.length);
    await expect(broken).rejects.toMatchObject({ code: 'peer_closed', message: expect.stringContaining(`run sft receive ${ID} again`) });
    expect((await onDisk()).equals(BLOB.subarray(0, 131_072))).toBe(true);
    expect(await partials.complete(server(), ID, BLOB.length)).toBe(131_072);
    expect((await onDisk()).equals(BLOB)).toBe(true);
  });

  it('refuses a server that sends more bytes than the delivery has', async () => {
    const error = await partials.complete(server({ body: Buffer.concat([BLOB, Buffer.alloc(1)]) }), ID, BLOB.length).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect((error as TransferError).code).toBe('integrity');
  });

  it('removes what is kept of deliveries no longer open, and keeps the current one and those still ready', async () => {
    await fs.mkdir(partials.dir, { recursive: true });
    const ids = ['aaaa-aaaa-aaaa-0001', 'aaaa-aaaa-aaaa-0002', 'aaaa-aaaa-aaaa-0003', ID];
    for (const id of ids) await fs.writeFile(partials.fileOf(id), 'x');
    await fs.writeFile(path.join(partials.dir, 'notes.txt'), 'not ours to judge');
    const states: Record<string, string> = { aaaaaaaaaaaa0001: 'ready', aaaaaaaaaaaa0002: 'withdrawn' };
    const api = {
      getDelivery: async (id: string) => {
        if (!states[id]) throw new ApiError(404, 'delivery_not_found', 'No such delivery.');
        return { state: states[id] };
      },
    } as unknown as ApiClient;
    const removed = await partials.removeStale(api, ID);
    expect(removed.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'aaaa-aaaa-aaaa-0002', state: 'withdrawn' },
      { id: 'aaaa-aaaa-aaaa-0003', state: 'gone' },
    ]);
    expect((await fs.readdir(partials.dir)).sort()).toEqual(['aaaaaaaaaaaa0001.part', 'aaaabbbbccccdddd.part', 'notes.txt']);
  });
});
