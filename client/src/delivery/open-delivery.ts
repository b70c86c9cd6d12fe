/**
 * The recipient's side of the stored format: reads the blob once, in order, opening each chunk (GCM with
 * nonces from its own counters and the announced sizes), writing plaintext to temp files of the same
 * OutputDir `join` uses, then opens the trailer and checks CRC32, SHA-256 and the sender's signature.
 * Only then are the files moved into place; on any failure every temp file is removed.
 */
import type { KeyObject } from 'node:crypto';
import { ChunkOpener, chunkCount, CHUNK_SIZE, TAG_SIZE } from '../transfer/chunk-cipher';
import { FileHasher } from '../transfer/digests';
import { TransferError } from '../transfer/errors';
import type { ManifestEntry } from '../transfer/manifest';
import { OutputDir, type TempFile } from '../transfer/output';
import { verifyTransfer } from '../transfer/signature';
import type { FileSummary } from '../transfer/types';
import { decodeTrailer, streamId, trailerSize } from './stored-format';

export interface OpenContext {
  deliveryId: string;
  fileKey: Buffer;
  sender: string;
  recipient: string;
  senderIdentityKey: KeyObject;
  outDir: string;
  overwrite: boolean;
  /** An OutputDir already prepared for these files (checked before a long download); else one is made here. */
  output?: OutputDir;
  onProgress?: (done: number, total: number) => void;
}

/** Checks and writes a delivery's files from its blob; resolves with their summaries once they are in place. */
export async function openDelivery(blob: AsyncIterable<Buffer>, files: ManifestEntry[], ctx: OpenContext): Promise<FileSummary[]> {
  const output = ctx.output ?? new OutputDir(ctx.outDir, ctx.overwrite);
  const reader = new ExactReader(blob);
  const id = streamId(ctx.deliveryId);
  try {
    if (!ctx.output) await output.prepare(files);
    const total = files.reduce((sum, f) => sum + f.size, 0);
    let done = 0;
    const actual: FileSummary[] = [];
    for (const [index, entry] of files.entries()) {
      const opener = new ChunkOpener(ctx.fileKey, id, index, entry.size);
      const hasher = new FileHasher();
      const handle = await output.createTemp(entry.name);
      for (let c = 0; c < chunkCount(entry.size); c++) {
        const plain = opener.open(await reader.read(Math.min(CHUNK_SIZE, entry.size - c * CHUNK_SIZE) + TAG_SIZE));
        hasher.update(plain);
        await writeAll(handle, plain);
        done += plain.length;
        ctx.onProgress?.(done, total);
      }
      opener.finish();
      await output.finishTemp();
      actual.push({ name: entry.name, size: entry.size, ...hasher.digest(), savedAs: output.targetOf(entry.name) });
    }
    const trailerOpener = new ChunkOpener(ctx.fileKey, id, files.length, trailerSize(files.length));
    const { digests, signature } = decodeTrailer(trailerOpener.open(await reader.read(trailerSize(files.length) + TAG_SIZE)), files.length);
    if (!(await reader.atEnd())) throw new TransferError('integrity', 'The delivery has bytes after its trailer.');
    for (const [i, file] of actual.entries()) {
      if (digests[i].crc32 !== file.crc32 || digests[i].sha256 !== file.sha256) {
        throw new TransferError('integrity', `File ${i}: CRC32 or SHA-256 does not match what the sender computed; nothing was kept.`);
      }
    }
    const signed = { sessionId: id, sender: ctx.sender, receiver: ctx.recipient, files: actual };
    if (!verifyTransfer(signed, signature.toString('base64'), ctx.senderIdentityKey)) {
      throw new TransferError('signature', `The delivery is not signed by ${ctx.sender}'s identity key; nothing was kept.`);
    }
    await output.commit();
    return actual;
  } catch (err) {
    await output.discard();
    throw err;
  }
}

/** Reads exact byte counts from a stream of buffers (the download), holding at most one network chunk extra. */
class ExactReader {
  private readonly iterator: AsyncIterator<Buffer>;
  private pending: Buffer = Buffer.alloc(0);

  constructor(source: AsyncIterable<Buffer>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  async read(length: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < length) {
      if (this.pending.length === 0) {
        const next = await this.next();
        if (next.done) throw new TransferError('integrity', 'The delivery ended early (truncated).');
        this.pending = next.value;
      }
      const take = Math.min(length - got, this.pending.length);
      parts.push(this.pending.subarray(0, take));
      this.pending = this.pending.subarray(take);
      got += take;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, length);
  }

  /** The next piece of the download; a connection that breaks off is `peer_closed` (run `sft receive` again). */
  private async next(): Promise<IteratorResult<Buffer>> {
    try {
      return await this.iterator.next();
    } catch (error) {
      throw new TransferError('peer_closed', `The download from the server broke off (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); nothing was kept, run sft receive again.`);
    }
  }

  async atEnd(): Promise<boolean> {
    while (this.pending.length === 0) {
      const next = await this.next();
      if (next.done) return true;
      this.pending = next.value;
    }
    return false;
  }
}

async function writeAll(handle: TempFile, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) offset += (await handle.write(data, offset, data.length - offset)).bytesWritten;
}
