/**
 * The sender's side of the stored format: reads the files in chunk-sized pieces, seals them as the live
 * stream does, hashes the plaintext, and ends with the sealed trailer (digests and the signature). Yields
 * sealed pieces in blob order; memory stays at one chunk whatever the file sizes.
 */
import type { KeyObject } from 'node:crypto';
import { open } from 'node:fs/promises';
import { CHUNK_SIZE, ChunkSealer, chunkCount } from '../transfer/chunk-cipher';
import { FileHasher } from '../transfer/digests';
import { TransferError } from '../transfer/errors';
import type { LocalFile } from '../transfer/manifest';
import { signTransfer } from '../transfer/signature';
import type { FileSummary } from '../transfer/types';
import { encodeTrailer, streamId, trailerSize } from './stored-format';

export interface SealContext {
  deliveryId: string;
  fileKey: Buffer;
  sender: string;
  recipient: string;
  identityPrivateKey: KeyObject;
  /** Plaintext bytes read so far, after each chunk. */
  onProgress?: (done: number) => void;
}

export async function* sealDelivery(files: LocalFile[], ctx: SealContext): AsyncGenerator<Buffer> {
  const id = streamId(ctx.deliveryId);
  const summaries: FileSummary[] = [];
  let done = 0;
  for (const [index, file] of files.entries()) {
    const sealer = new ChunkSealer(ctx.fileKey, id, index, file.size);
    const hasher = new FileHasher();
    const handle = await open(file.path, 'r').catch((err: NodeJS.ErrnoException) => {
      throw new TransferError('io', `Cannot read ${file.path}: ${err.code ?? err.message}.`);
    });
    try {
      const buffer = Buffer.alloc(CHUNK_SIZE);
      for (let c = 0; c < chunkCount(file.size); c++) {
        const length = Math.min(CHUNK_SIZE, file.size - c * CHUNK_SIZE);
        const piece = buffer.subarray(0, length);
        await readFully(handle, piece, c * CHUNK_SIZE, file.path);
        hasher.update(piece);
        yield sealer.seal(piece);
        done += length;
        ctx.onProgress?.(done);
      }
      if ((await handle.read(Buffer.alloc(1), 0, 1, file.size)).bytesRead > 0) throw changed(file.path);
    } finally {
      await handle.close();
    }
    summaries.push({ name: file.name, size: file.size, ...hasher.digest() });
  }
  const signed = { sessionId: id, sender: ctx.sender, receiver: ctx.recipient, files: summaries };
  const signature = Buffer.from(signTransfer(signed, ctx.identityPrivateKey), 'base64');
  const trailer = encodeTrailer(summaries, signature);
  yield new ChunkSealer(ctx.fileKey, id, files.length, trailerSize(files.length)).seal(trailer);
}

async function readFully(handle: Awaited<ReturnType<typeof open>>, target: Buffer, position: number, path: string): Promise<void> {
  let got = 0;
  while (got < target.length) {
    const { bytesRead } = await handle.read(target, got, target.length - got, position + got);
    if (bytesRead === 0) throw changed(path);
    got += bytesRead;
  }
}

function changed(path: string): TransferError {
  return new TransferError('io', `${path} changed size while it was being sent; nothing was stored.`);
}

/** Groups a stream of buffers into parts of exactly `partBytes` (the last one shorter), copying once. */
export async function* inParts(pieces: AsyncIterable<Buffer>, partBytes: number): AsyncGenerator<Buffer> {
  let part = Buffer.allocUnsafe(partBytes);
  let filled = 0;
  for await (const piece of pieces) {
    let offset = 0;
    while (offset < piece.length) {
      const n = Math.min(partBytes - filled, piece.length - offset);
      piece.copy(part, filled, offset, offset + n);
      filled += n;
      offset += n;
      if (filled === partBytes) {
        yield part;
        part = Buffer.allocUnsafe(partBytes);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield part.subarray(0, filled);
}
