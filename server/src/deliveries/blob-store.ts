/**
 * Where the ciphertext of stored deliveries lives. One small interface so an object store can take the
 * place of the directory when several servers share the load; the database holds only metadata.
 */
import { constants, createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

export interface BlobStore {
  /** Writes `data` at `offset` of the unfinished upload `id` (cutting off anything after it); durable when it resolves. */
  writePart(id: string, offset: number, data: Buffer): Promise<void>;
  /** Makes the finished upload `id` the stored blob (atomically); the unfinished one is gone after. */
  seal(id: string): Promise<void>;
  /** The stored blob `id` from byte `start` (default 0) to its end, and the blob's whole size. */
  read(id: string, start?: number): Promise<{ size: number; stream: Readable }>;
  /** Removes the blob and any unfinished upload of `id` (no error when there is none). */
  delete(id: string): Promise<void>;
}

/**
 * A directory (mode 0700) with one file per delivery (mode 0600): `<id>.upload` while it is being uploaded,
 * renamed to `<id>.blob` when complete, so a half-written upload is never what a recipient reads.
 */
export class DirectoryBlobStore implements BlobStore {
  private ready: Promise<unknown> | null = null;

  constructor(private readonly dir: string) {}

  async writePart(id: string, offset: number, data: Buffer): Promise<void> {
    await this.ensureDir();
    const handle = await open(this.uploadPath(id), constants.O_RDWR | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o600);
    try {
      await handle.truncate(offset);
      let written = 0;
      while (written < data.length) written += (await handle.write(data, written, data.length - written, offset + written)).bytesWritten;
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** Idempotent: after a crash between the rename and the database update, the blob is already there. */
  async seal(id: string): Promise<void> {
    try {
      await rename(this.uploadPath(id), this.blobPath(id));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await stat(this.blobPath(id));
    }
  }

  async read(id: string, start = 0): Promise<{ size: number; stream: Readable }> {
    const path = this.blobPath(id);
    const { size } = await stat(path);
    return { size, stream: createReadStream(path, { start }) };
  }

  async delete(id: string): Promise<void> {
    await rm(this.uploadPath(id), { force: true });
    await rm(this.blobPath(id), { force: true });
  }

  private ensureDir(): Promise<unknown> {
    this.ready ??= mkdir(this.dir, { recursive: true, mode: 0o700 });
    return this.ready;
  }

  private uploadPath(id: string): string {
    return join(this.dir, `${safeId(id)}.upload`);
  }

  private blobPath(id: string): string {
    return join(this.dir, `${safeId(id)}.blob`);
  }
}

/** Ids reach here already parsed; this keeps any other string from naming a path. */
function safeId(id: string): string {
  if (!/^[0-9a-z]{16}$/.test(id)) throw new Error('Not a delivery id.');
  return id;
}

/** The injection token of the BlobStore. */
export const BLOB_STORE = Symbol('BlobStore');
