/**
 * AES-256-GCM STREAM construction for one file (see docs/protocol.md):
 * - plaintext in CHUNK_SIZE pieces, the last one shorter (an empty file is one empty final chunk);
 * - nonce = file index (u32 BE) || chunk counter (u64 BE) with the top bit set on the final chunk;
 * - AAD = label || session id || file index, so chunks cannot move between sessions or files.
 * The file key is fresh per connection, so a (key, nonce) pair never repeats, even across retries;
 * a resumed file starts at a later counter (`start`) under the new connection's key.
 * The receiver derives every nonce from its own counter and the manifest size, so reordered,
 * dropped, duplicated, truncated or extra chunks all fail.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { lengthPrefixed } from '../crypto/encoding';
import { TransferError } from './errors';

/**
 * Plaintext bytes per chunk: 1 MiB since protocol version 2 (256 KiB in version 1). Part of the wire
 * format: the receiver derives every chunk's length from it. A sealed chunk (CHUNK_SIZE + TAG_SIZE)
 * is exactly the largest frame payload (protocol/constants.ts MAX_PAYLOAD).
 */
export const CHUNK_SIZE = 1024 * 1024;
/** GCM tag bytes appended to each sealed chunk. */
export const TAG_SIZE = 16;

const AAD_LABEL = 'sft/v1/chunk';
const FINAL_FLAG = 1n << 63n;

/** How many chunks a file of `size` bytes is sent in (at least one). */
export function chunkCount(size: number): number {
  return Math.max(1, Math.ceil(size / CHUNK_SIZE));
}

/** The 12-byte nonce of chunk `counter` of file `fileIndex`. */
export function chunkNonce(fileIndex: number, counter: number, final: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUInt32BE(fileIndex, 0);
  nonce.writeBigUInt64BE(BigInt(counter) | (final ? FINAL_FLAG : 0n), 4);
  return nonce;
}

function chunkAad(sessionId: string, fileIndex: number): Buffer {
  const index = Buffer.alloc(4);
  index.writeUInt32BE(fileIndex, 0);
  return lengthPrefixed(AAD_LABEL, sessionId, index);
}

/** Where sealing or opening stands in one file's chunks: the counter, the total and the AAD. */
abstract class ChunkSequence {
  protected counter = 0;
  protected readonly total: number;
  protected readonly aad: Buffer;

  /** `start`: the first chunk to seal or open (resume); chunkCount(size) means none is left. */
  constructor(
    protected readonly key: Buffer,
    sessionId: string,
    protected readonly fileIndex: number,
    protected readonly size: number,
    start = 0,
  ) {
    this.total = chunkCount(size);
    this.aad = chunkAad(sessionId, fileIndex);
    if (!Number.isSafeInteger(start) || start < 0 || start > this.total) throw new RangeError(`Start chunk ${start} is outside 0..${this.total}.`);
    this.counter = start;
  }

  /** True once the final chunk has been sealed (or opened). */
  get done(): boolean {
    return this.counter >= this.total;
  }
}

/** Encrypts the chunks of one file in order. */
export class ChunkSealer extends ChunkSequence {

  /** Seals the next chunk; returns ciphertext || tag. The final one is the `chunkCount(size)`-th. */
  seal(plaintext: Buffer): Buffer {
    return Buffer.concat(this.sealParts(plaintext));
  }

  /**
   * Seals the next chunk like `seal`, but returns [ciphertext, tag] as two buffers, so a writer can
   * send them one after the other (writev) without copying the ciphertext into a concatenation.
   */
  sealParts(plaintext: Buffer): [body: Buffer, tag: Buffer] {
    if (this.done) throw new Error('All chunks of this file are already sealed.');
    const final = this.counter === this.total - 1;
    const cipher = createCipheriv('aes-256-gcm', this.key, chunkNonce(this.fileIndex, this.counter, final));
    cipher.setAAD(this.aad);
    const body = cipher.update(plaintext);
    cipher.final();
    this.counter++;
    return [body, cipher.getAuthTag()];
  }
}

/** Decrypts and checks the chunks of one file, in order, against the size the manifest announced. */
export class ChunkOpener extends ChunkSequence {

  /** Authenticates and decrypts the next chunk. Throws TransferError('integrity') on any mismatch. */
  open(sealed: Buffer): Buffer {
    if (this.done) throw new TransferError('integrity', `File ${this.fileIndex}: a chunk arrived after the final one.`);
    const final = this.counter === this.total - 1;
    const expected = final ? this.size - this.counter * CHUNK_SIZE : CHUNK_SIZE;
    if (sealed.length !== expected + TAG_SIZE) {
      throw new TransferError('integrity', `File ${this.fileIndex}: chunk ${this.counter} has the wrong length.`);
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, chunkNonce(this.fileIndex, this.counter, final));
    decipher.setAAD(this.aad);
    decipher.setAuthTag(sealed.subarray(expected));
    const plain = decipher.update(sealed.subarray(0, expected));
    try {
      decipher.final();
    } catch {
      throw new TransferError('integrity', `File ${this.fileIndex}: chunk ${this.counter} failed authentication (tampered, reordered or replayed).`);
    }
    this.counter++;
    return plain;
  }

  /** Call when the sender says the file ended: throws if chunks are missing (truncation). */
  finish(): void {
    if (!this.done) {
      throw new TransferError('integrity', `File ${this.fileIndex}: the file ended after ${this.counter} of ${this.total} chunks.`);
    }
  }
}
