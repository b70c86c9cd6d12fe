/**
 * SFT_HOME/sends/<delivery id>.json (mode 0600, written atomically): what `sft send` needs to continue an
 * upload that did not finish (the process died, was interrupted, or lost the server) and to produce the very
 * same ciphertext again: the sources (absolute path, size, modification and inode change times, inode) and
 * the delivery's file key.
 * The file key is a secret: never printed, and the record is deleted when the delivery is stored, withdrawn
 * or found closed.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readJsonFile, writeJsonFile } from './atomic-file';
import { serverKey } from './home';

export interface SourceStamp {
  /** Absolute path read from. */
  path: string;
  /** Name in the manifest. */
  name: string;
  size: number;
  mtimeMs: number;
  /**
   * Inode change time and inode number: a rewrite that keeps size and modification time (`cp -p`,
   * `rsync -t`, `touch -r`) still changes these, which no user can set back.
   */
  ctimeMs: number;
  ino: number;
}

export interface PendingSend {
  version: 1;
  /** Server origin (`https://host:port`). */
  server: string;
  sender: string;
  recipient: string;
  /** As the API shows it (`xxxx-xxxx-xxxx-xxxx`). */
  deliveryId: string;
  files: SourceStamp[];
  /** Base64 of the 32-byte file key. Secret: never printed. */
  fileKey: string;
  createdAt: string;
}

const ID_PATTERN = /^[0-9a-z]{4}(-[0-9a-z]{4}){3}$/;

export class PendingSendsFile {
  private readonly dir: string;

  constructor(home: string) {
    this.dir = path.join(home, 'sends');
  }

  async save(record: PendingSend): Promise<void> {
    await writeJsonFile(this.fileOf(record.deliveryId), record);
  }

  /** The unfinished sends from `sender` to `recipient` at `serverUrl` (any sources), oldest first. */
  async find(serverUrl: string, sender: string, recipient: string): Promise<PendingSend[]> {
    const names = await fs.readdir(this.dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    const found: PendingSend[] = [];
    for (const name of names) {
      if (!name.endsWith('.json') || !ID_PATTERN.test(name.slice(0, -5))) continue;
      const record = await readJsonFile<PendingSend | null>(path.join(this.dir, name), null).catch(() => null);
      if (!record || record.version !== 1) continue;
      if (record.server === serverKey(serverUrl) && record.sender.toLowerCase() === sender.toLowerCase() && record.recipient.toLowerCase() === recipient.toLowerCase()) {
        found.push(record);
      }
    }
    return found.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Forgets delivery `id` (no error when there is no record). */
  async delete(deliveryId: string): Promise<void> {
    if (ID_PATTERN.test(deliveryId)) await fs.rm(this.fileOf(deliveryId), { force: true });
  }

  private fileOf(deliveryId: string): string {
    if (!ID_PATTERN.test(deliveryId)) throw new Error('Not a delivery id.');
    return path.join(this.dir, `${deliveryId}.json`);
  }
}
