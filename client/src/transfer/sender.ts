/**
 * The sending side: handshake, MANIFEST, then per file the sealed CHUNKs and a FILE_END with its
 * digests, then a TRAILER signed by our identity key. Resolves only when the receiver answers RESULT ok.
 */
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

async function sendOneFile(
  channel: Channel,
  sealer: ChunkSealer,
  file: LocalFile,
  index: number,
  progress: { done: number; total: number },
  events: TransferEvents,
): Promise<FileSummary> {
  const hasher = new FileHasher();
  let handle: FileHandle;
  try {
    handle = await open(file.path, 'r');
  } catch (err) {
    throw new TransferError('io', `Cannot open ${file.path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}.`, false, { cause: err });
  }
  try {
    let position = 0;
    while (!sealer.done) {
      const want = Math.min(CHUNK_SIZE, file.size - position);
      const plain = await readExactly(handle, want, position, file.path);
      position += want;
      hasher.update(plain);
      channel.throwIfPeerReported();
      await channel.send(FrameType.Chunk, sealer.seal(plain));
      progress.done += want;
      events.onProgress?.(progress.done, progress.total, file.name);
    }
    const extra = await handle.read(Buffer.alloc(1), 0, 1, position);
    if (extra.bytesRead !== 0) throw changed(file.path);
  } finally {
    await handle.close();
  }
  const digests = hasher.digest();
  await channel.sendJson(FrameType.FileEnd, { index, ...digests });
  return { name: file.name, size: file.size, ...digests };
}

/** Reads exactly `length` bytes at `position`; a shorter file means it changed while we were sending. */
async function readExactly(handle: FileHandle, length: number, position: number, path: string): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) throw changed(path);
    filled += bytesRead;
  }
  return buffer;
}

function changed(path: string): TransferError {
  return new TransferError('io', `${path} changed size while it was being sent; send it again.`);
}
