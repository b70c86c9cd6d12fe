/**
 * Writes a received file's verified plaintext in order without waiting for each write: every chunk
 * goes to its own position at once, and `write` waits only while WRITE_AHEAD bytes are still being
 * written, so the next chunk is decrypted and hashed while the disk works. Memory stays constant.
 */
import type { FileHandle } from 'node:fs/promises';

/** Bytes of plaintext handed to the file system and not yet written, before `write` waits. */
export const WRITE_AHEAD = 8 * 1024 * 1024;

export class FileWriter {
  private position = 0;
  private inFlight = 0;
  private failure: { error: unknown } | null = null;
  private readonly writes = new Set<Promise<void>>();

  constructor(
    private readonly handle: FileHandle,
    private readonly limit = WRITE_AHEAD,
  ) {}

  /** Queues `data` after what was queued before; rejects with the first failed write. */
  async write(data: Buffer): Promise<void> {
    this.throwIfFailed();
    if (data.length === 0) return;
    const at = this.position;
    this.position += data.length;
    this.inFlight += data.length;
    const done: Promise<void> = writeAllAt(this.handle, data, at).then(
      () => {
        this.inFlight -= data.length;
        this.writes.delete(done);
      },
      (error: unknown) => {
        this.failure ??= { error };
        this.writes.delete(done);
      },
    );
    this.writes.add(done);
    while (this.inFlight >= this.limit && !this.failure) await Promise.race(this.writes);
    this.throwIfFailed();
  }

  /** Waits for every queued write; rejects if any failed. */
  async flush(): Promise<void> {
    await Promise.all(this.writes);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}

async function writeAllAt(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset, position + offset);
    offset += bytesWritten;
  }
}
