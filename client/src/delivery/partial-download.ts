/**
 * A receiver's downloaded ciphertext, kept between runs of `sft receive` (issue 14): one file per delivery,
 * SFT_HOME/receives/<account>/<id>.part (directory 0700, file 0600; <account> names the server and user).
 * A run appends what the server sends to it; a rerun asks only for the rest (`Range: bytes=N-`). Nothing in
 * it is trusted: once complete, the whole file is opened like a fresh download (every chunk GCM-checked,
 * CRC32, SHA-256 and the signature over every file) before anything is moved into place, and it is removed
 * after the delivery is received, when a check fails, or when its delivery is no longer open.
 */
import { createHash } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ApiClient } from '../api/api-client';
import { ApiError } from '../api/api-error';
import { ensurePrivateDir } from '../../../certs/src/atomic-file';
import { serverKey } from '../state/home';
import { TransferError } from '../transfer/errors';

const CANONICAL_ID = /^[0-9a-z]{16}$/;
const SUFFIX = '.part';

export interface DownloadOptions {
  signal?: AbortSignal;
  /** Ciphertext bytes on disk so far (kept ones included). */
  onProgress?: (have: number) => void;
}

export class PartialDownloads {
  readonly dir: string;

  constructor(home: string, serverUrl: string, username: string) {
    const account = createHash('sha256').update(`${serverKey(serverUrl)}\n${username.toLowerCase()}`).digest('hex').slice(0, 16);
    this.dir = path.join(home, 'receives', account);
  }

  /** The file for delivery `id` (either spelling: with or without dashes). */
  fileOf(id: string): string {
    const canonical = canonicalId(id);
    if (!canonical) throw new Error('Not a delivery id.');
    return path.join(this.dir, `${canonical}${SUFFIX}`);
  }

  /** Bytes kept for delivery `id` (0 when none). */
  async size(id: string): Promise<number> {
    const info = await fs.lstat(this.fileOf(id)).catch(() => null);
    return info?.isFile() ? info.size : 0;
  }

  /** Removes the kept bytes of `id`; answers whether there were any. */
  async remove(id: string): Promise<boolean> {
    if (!canonicalId(id)) return false;
    const file = this.fileOf(id);
    const existed = await fs.lstat(file).then(() => true, () => false);
    await fs.rm(file, { force: true });
    return existed;
  }

  /**
   * Removes what is kept of deliveries other than `current` that are no longer open (received, failed,
   * withdrawn, expired, or gone); answers their ids, dashed. A server that cannot be asked leaves them be.
   */
  async removeStale(api: ApiClient, current: string): Promise<{ id: string; state: string }[]> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    const removed: { id: string; state: string }[] = [];
    for (const name of names) {
      const id = name.endsWith(SUFFIX) ? name.slice(0, -SUFFIX.length) : '';
      if (!CANONICAL_ID.test(id) || id === canonicalId(current)) continue;
      let state: string;
      try {
        state = (await api.getDelivery(id)).state;
      } catch (error) {
        if (!(error instanceof ApiError) || (error.status !== 404 && error.status !== 410)) continue;
        state = 'gone';
      }
      if (state === 'ready') continue;
      await fs.rm(path.join(this.dir, name), { force: true });
      removed.push({ id: id.match(/.{4}/g)!.join('-'), state });
    }
    return removed;
  }

  /**
   * Brings the kept file of delivery `id` to its full `total` bytes, downloading only what is missing.
   * Answers how many bytes were already there (kept from an earlier run; 0 when the server sent everything).
   * A download that breaks off keeps what arrived (`peer_closed`: run `sft receive` again).
   */
  async complete(api: ApiClient, id: string, total: number, opts: DownloadOptions = {}): Promise<number> {
    await ensurePrivateDir(this.dir);
    const file = this.fileOf(id);
    const handle = await fs.open(file, constants.O_RDWR | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o600);
    try {
      await handle.chmod(0o600);
      let have = (await handle.stat()).size;
      if (have > total) {
        await handle.truncate(0); // longer than the delivery: not a prefix of it
        have = 0;
      }
      const kept = have;
      if (have === total) return kept;
      await checkRoom(this.dir, total - have);
      const response = await api.downloadDelivery(id, opts.signal, have);
      try {
        if (have > 0 && !startsAt(response.statusCode, response.headers['content-range'], have)) {
          await handle.truncate(0); // the server sent the whole blob (or another range): start over
          have = 0;
        }
        const from = have;
        try {
          for await (const chunk of response as AsyncIterable<Buffer>) {
            if (have + chunk.length > total) throw new TransferError('integrity', 'The server sent more bytes than the delivery has; nothing was kept.');
            await writeAt(handle, chunk, have, file);
            have += chunk.length;
            opts.onProgress?.(have);
          }
        } catch (error) {
          if (error instanceof TransferError) throw error;
          throw brokeOff(id, have, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
        }
        if (have < total) throw brokeOff(id, have, 'ended early');
        await handle.sync();
        return from === 0 ? 0 : kept;
      } finally {
        response.destroy();
      }
    } finally {
      await handle.close();
    }
  }
}

/** Writes `data` at `position`; a full disk or another write error is not the network's fault. */
async function writeAt(handle: fs.FileHandle, data: Buffer, position: number, file: string): Promise<void> {
  try {
    let written = 0;
    while (written < data.length) written += (await handle.write(data, written, data.length - written, position + written)).bytesWritten;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    const noSpace = code === 'ENOSPC' || code === 'EDQUOT';
    throw new TransferError(noSpace ? 'no_space' : 'io', `Cannot write the download to ${file} (${code}); what arrived before is kept: free some space and run sft receive again.`);
  }
}

/** The rest of the download must fit beside SFT_HOME (the files themselves are checked in --out). */
async function checkRoom(dir: string, needed: number): Promise<void> {
  const info = await fs.statfs(dir);
  const free = Number(info.bavail) * Number(info.bsize);
  if (free < needed) throw new TransferError('no_space', `Not enough free space in ${dir} for the download: need ${needed} bytes, ${free} available.`);
}

/** A 206 whose Content-Range starts where we asked. */
function startsAt(status: number | undefined, contentRange: string | undefined, start: number): boolean {
  return status === 206 && typeof contentRange === 'string' && contentRange.startsWith(`bytes ${start}-`);
}

function canonicalId(id: string): string | null {
  const canonical = id.toLowerCase().replace(/-/g, '');
  return CANONICAL_ID.test(canonical) ? canonical : null;
}

function brokeOff(id: string, have: number, why: string): TransferError {
  return new TransferError('peer_closed', `The download broke off (${why}) after ${have} bytes; they are kept: run sft receive ${id} again to continue.`);
}
