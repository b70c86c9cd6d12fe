/**
 * Writes a received file's verified plaintext in order without waiting for each write: every chunk
 * goes to its own position at once, and `write` waits only while WRITE_AHEAD bytes are still being
 * written, so the next chunk is decrypted and hashed while the disk works. Memory stays constant.
 * A file of one chunk is written synchronously: one short call instead of a thread-pool round trip.
 */
import { write, writeSync } from 'node:fs';
import { CHUNK_SIZE } from './chunk-cipher';

/** Bytes of plaintext handed to the file system and not yet written, before `write` waits. */
export const WRITE_AHEAD = 4 * 1024 * 1024;

export class FileWriter {
  private position: number;
  private inFlight = 0;
  private failure: { error: unknown } | null = null;
  private readonly writes = new Set<Promise<void>>();
  private readonly synchronous: boolean;

  /**
   * `fd`: the open file; `size`: the file's whole size (decides sync or write-behind); `start`: where the
   * first write lands (a resumed file goes on after its verified prefix).
   */
  constructor(
    private readonly fd: number,
    size: number,
    start = 0,
    private readonly limit = WRITE_AHEAD,
  ) {
    this.synchronous = size <= CHUNK_SIZE;
    this.position = start;
  }

  /** Queues `data` after what was queued before; rejects with the first failed write. */
  async write(data: Buffer): Promise<void> {
    this.throwIfFailed();
    if (data.length === 0) return;
    const at = this.position;
    this.position += data.length;
    if (this.synchronous) {
      for (let offset = 0; offset < data.length; ) offset += writeSync(this.fd, data, offset, data.length - offset, at + offset);
      return;
    }
    this.inFlight += data.length;
    const done: Promise<void> = writeAllAt(this.fd, data, at).then(
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

  /** Waits until no write is running (after a failure, before the descriptor is closed); never rejects. */
  async settle(): Promise<void> {
    await Promise.all(this.writes);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}

async function writeAllAt(fd: number, data: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    offset += await new Promise<number>((resolve, reject) => {
      write(fd, data, offset, data.length - offset, position + offset, (error, written) => (error ? reject(error) : resolve(written)));
    });
  }
}
