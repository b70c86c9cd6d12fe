/**
 * The sending side: handshake, MANIFEST, then per file the sealed CHUNKs and a FILE_END with its
 * digests, then a TRAILER signed by our identity key. Resolves only when the receiver answers RESULT ok.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import { FrameType } from '../protocol';
import { Channel } from './channel';
import { CHUNK_SIZE, ChunkSealer } from './chunk-cipher';
import { FileHasher } from './digests';
import { TransferError } from './errors';
import { runConfirmation, runHandshake } from './handshake-step';
import { collectFiles, type LocalFile } from './manifest';
import { signTransfer } from './signature';
import type { FileSummary, PhraseConfirmer, TransferContext, TransferEvents, TransferSummary } from './types';

export interface ResultPayload {
  ok: boolean;
  reason?: string;
}

export async function sendFiles(
  socket: Duplex,
  ctx: TransferContext,
  paths: string[],
  events: TransferEvents = {},
  opts: { idleTimeoutMs?: number; confirmPhrase?: PhraseConfirmer } = {},
): Promise<TransferSummary> {
  const channel = new Channel(socket, opts.idleTimeoutMs);
  try {
    const files = await collectFiles(paths, events.onNote);
    const handshake = await runHandshake(channel, ctx, 'sender', Boolean(opts.confirmPhrase));
    const { fileKey, verificationPhrase } = handshake;
    events.onHandshake?.({ verificationPhrase });
    await runConfirmation(channel, 'sender', handshake, opts.confirmPhrase, events);
    const manifest = files.map(({ name, size }) => ({ name, size }));
    await channel.sendJson(FrameType.Manifest, { files: manifest });
    events.onManifest?.(manifest);

    const total = files.reduce((sum, f) => sum + f.size, 0);
    const progress = { done: 0, total };
    const summaries: FileSummary[] = [];
    for (const [index, file] of files.entries()) {
      const summary = await sendOneFile(channel, new ChunkSealer(fileKey, ctx.sessionId, index, file.size), file, index, progress, events);
      summaries.push(summary);
      events.onFileDone?.(summary);
    }
    fileKey.fill(0);
    const signature = signTransfer(
      { sessionId: ctx.sessionId, sender: ctx.self.username, receiver: ctx.peer.username, files: summaries },
      ctx.self.identityPrivateKey,
    );
    await channel.sendJson(FrameType.Trailer, { signature });

    const result = await channel.expectJson<ResultPayload>(FrameType.Result);
    if (result.ok !== true) {
      throw new TransferError('peer_error', `The receiver did not accept the transfer: ${String(result.reason ?? 'no reason given')}`, true);
    }
    channel.close();
    return { bytes: total, files: summaries, verificationPhrase };
  } catch (err) {
    throw channel.fail(err);
  }
}

/** Sends one file's CHUNKs and its FILE_END with the digests of what was read. */
async function sendOneFile(
  channel: Channel,
  sealer: ChunkSealer,
  file: LocalFile,
  index: number,
  progress: { done: number; total: number },
  events: TransferEvents,
): Promise<FileSummary> {
  const hasher = new FileHasher();
  const sendChunk = async (plain: Buffer): Promise<void> => {
    hasher.update(plain);
    channel.throwIfPeerReported();
    await channel.send(FrameType.Chunk, sealer.sealParts(plain));
    progress.done += plain.length;
    events.onProgress?.(progress.done, progress.total, file.name);
  };
  if (file.size <= CHUNK_SIZE) await sendChunk(readSmallFile(file));
  else await streamChunks(file, sealer, sendChunk);
  const digests = hasher.digest();
  await channel.sendJson(FrameType.FileEnd, { index, ...digests });
  return { name: file.name, size: file.size, ...digests };
}

/**
 * A file of one chunk, read synchronously: a few microseconds, where each asynchronous call would
 * cost a thread-pool round trip (what made many small files slow). One byte more is asked for, so a
 * file that grew is noticed.
 */
function readSmallFile(file: LocalFile): Buffer {
  let fd: number;
  try {
    fd = openSync(file.path, 'r');
  } catch (err) {
    throw cannotOpen(file.path, err);
  }
  try {
    const buffer = Buffer.allocUnsafe(file.size + 1);
    let filled = 0;
    for (;;) {
      const bytesRead = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled > file.size) throw changed(file.path);
    }
    if (filled !== file.size) throw changed(file.path);
    return buffer.subarray(0, file.size);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a file of several chunks as a pipeline: while chunk i is hashed, sealed and handed to the
 * socket (`sendChunk`), the read of chunk i+1 is already running (two buffers take turns), and the
 * channel only waits when the socket holds SEND_BUFFER bytes. The final read asks for one byte more
 * than the file should have, so a file that grew is noticed without an extra read.
 */
async function streamChunks(file: LocalFile, sealer: ChunkSealer, sendChunk: (plain: Buffer) => Promise<void>): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(file.path, 'r');
  } catch (err) {
    throw cannotOpen(file.path, err);
  }
  const buffers = [Buffer.allocUnsafe(CHUNK_SIZE + 1), Buffer.allocUnsafe(Math.min(CHUNK_SIZE, file.size - CHUNK_SIZE) + 1)];
  let pending: Promise<Buffer> | null = null;
  try {
    let position = 0;
    let turn = 0;
    const readNext = (): Promise<Buffer> => {
      const want = Math.min(CHUNK_SIZE, file.size - position);
      const read = readChunk(handle, buffers[turn], want, position, position + want === file.size, file.path);
      position += want;
      turn ^= 1;
      return read;
    };
    let next = readNext();
    pending = next;
    while (!sealer.done) {
      const plain = await next;
      pending = null;
      if (position < file.size) pending = next = readNext();
      await sendChunk(plain);
    }
  } finally {
    // A read still running (only after a failure) must finish before its handle closes.
    await pending?.catch(() => undefined);
    await handle.close();
  }
}

function cannotOpen(path: string, err: unknown): TransferError {
  return new TransferError('io', `Cannot open ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}.`, false, { cause: err });
}

/**
 * Reads `length` bytes at `position` into `buffer` (which has room for one more); returns them.
 * A shorter file, or with `last` a longer one, means it changed while we were sending.
 */
async function readChunk(handle: FileHandle, buffer: Buffer, length: number, position: number, last: boolean, path: string): Promise<Buffer> {
  const want = last ? length + 1 : length;
  let filled = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, filled, want - filled, position + filled);
    filled += bytesRead;
    if (filled > length) throw changed(path);
    // A regular file reads short only at its end: with `last`, a short read at `length` proves the file did not grow.
    if (filled === length && (!last || bytesRead < want - (filled - bytesRead))) break;
    if (bytesRead === 0) throw changed(path);
  }
  return buffer.subarray(0, length);
}

function changed(path: string): TransferError {
  return new TransferError('io', `${path} changed size while it was being sent; send it again.`);
}
