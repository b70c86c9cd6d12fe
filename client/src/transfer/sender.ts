/**
 * The sending side: handshake, MANIFEST, the receiver's HAVE (and, when it claims partial files, our
 * signed DIGESTS and its RESUME), then per file the sealed CHUNKs from where it resumes and a FILE_END
 * with the digests of the whole file, then a TRAILER signed by our identity key. Resolves only when the
 * receiver answers RESULT ok.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import { FrameType } from '../protocol';
import { Channel } from './channel';
import { CHUNK_SIZE, ChunkSealer, chunkCount } from './chunk-cipher';
import { FileHasher } from './digests';
import { TransferError } from './errors';
import { runConfirmation, runHandshake } from './handshake-step';
import { collectFiles, type LocalFile } from './manifest';
import { changedNote, parseHave, parseResume, resumedBytes, type HaveMessage } from './resume-messages';
import { signResumeDigests, signTransfer } from './signature';
import { cannotOpen, changed, openSource, readChunk, readPrefix, type SourcePrefix } from './source-read';
import type { FileSummary, PhraseConfirmer, TransferContext, TransferEvents, TransferSummary } from './types';

export interface ResultPayload {
  ok: boolean;
  reason?: string;
}

/** Where each file starts: the first chunk to send and, for a resumed file, the hasher over what is not sent. */
interface StartPoint {
  from: number;
  hasher: FileHasher;
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
    const manifest = files.map(({ name, size, mtime }) => ({ name, size, mtime }));
    await channel.sendJson(FrameType.Manifest, { files: manifest });
    events.onManifest?.(manifest);
    const starts = await negotiateResume(channel, ctx, files, events);

    const total = files.reduce((sum, f) => sum + f.size, 0);
    events.onResume?.({ resumedBytes: resumedBytes(starts, files.map((f) => f.size)), bytes: total });
    const progress = { done: 0, total };
    const counts = { linkBytes: 0, resumedBytes: 0 };
    const summaries: FileSummary[] = [];
    for (const [index, file] of files.entries()) {
      const start = starts.get(index) ?? { from: 0, hasher: new FileHasher() };
      const skipped = Math.min(start.from * CHUNK_SIZE, file.size);
      counts.resumedBytes += skipped;
      progress.done += skipped;
      const sealer = new ChunkSealer(fileKey, ctx.sessionId, index, file.size, start.from);
      const summary = await sendOneFile(channel, sealer, file, index, start, progress, events);
      counts.linkBytes += file.size - skipped;
      summaries.push(summary);
      events.onFileDone?.(summary);
    }
    fileKey.fill(0);
    const signature = signTransfer(
      { sessionId: ctx.sessionId, sender: ctx.self.username, receiver: ctx.peer.username, files: summaries },
      ctx.self.identityPrivateKey,
    );
    const summary: TransferSummary = { bytes: total, ...counts, files: summaries, verificationPhrase };
    events.onTrailer?.(summary);
    await channel.sendJson(FrameType.Trailer, { signature });

    const result = await channel.expectJson<ResultPayload>(FrameType.Result);
    if (result.ok !== true) {
      throw new TransferError('peer_error', `The receiver did not accept the transfer: ${String(result.reason ?? 'no reason given')}`, true);
    }
    channel.close();
    return summary;
  } catch (err) {
    throw channel.fail(err);
  }
}

/**
 * The receiver's HAVE; when it claims partial files, our signed DIGESTS of those prefixes as the source
 * is now, and its RESUME. Returns where each resumed file starts (absent: from its first chunk).
 */
async function negotiateResume(channel: Channel, ctx: TransferContext, files: LocalFile[], events: TransferEvents): Promise<Map<number, StartPoint>> {
  const have = parseHave(await channel.expect(FrameType.Have), files);
  for (const index of have.changed) events.onNote?.(changedNote(files[index].name));
  const starts = new Map<number, StartPoint>();
  if (have.files.length === 0) return starts;

  const prefixes = new Map<number, SourcePrefix>();
  for (const { index, chunks } of have.files) prefixes.set(index, await readPrefix(files[index], chunks, true));
  await channel.sendJson(FrameType.Digests, digestsMessage(ctx, files, have, prefixes));
  const from = parseResume(await channel.expect(FrameType.Resume), have);
  for (const { index, chunks } of have.files) {
    const start = from.get(index) ?? 0;
    // The usual case: the whole claimed prefix verified, and its hasher is the one we already have.
    const hasher = start === chunks ? prefixes.get(index)!.hasher : (await readPrefix(files[index], start, false)).hasher;
    starts.set(index, { from: start, hasher });
  }
  return starts;
}

function digestsMessage(ctx: TransferContext, files: LocalFile[], have: HaveMessage, prefixes: Map<number, SourcePrefix>) {
  const signed = have.files.map(({ index }) => ({ index, name: files[index].name, size: files[index].size, mtime: files[index].mtime, digests: prefixes.get(index)!.digests }));
  const signature = signResumeDigests({ sessionId: ctx.sessionId, sender: ctx.self.username, receiver: ctx.peer.username, files: signed }, ctx.self.identityPrivateKey);
  return { files: signed.map(({ index, digests }) => ({ index, digests })), signature };
}

/** Sends one file's CHUNKs (from its start point) and its FILE_END with the digests of the whole file. */
async function sendOneFile(
  channel: Channel,
  sealer: ChunkSealer,
  file: LocalFile,
  index: number,
  start: StartPoint,
  progress: { done: number; total: number },
  events: TransferEvents,
): Promise<FileSummary> {
  const { hasher } = start;
  const sendChunk = async (plain: Buffer): Promise<void> => {
    hasher.update(plain);
    channel.throwIfPeerReported();
    await channel.send(FrameType.Chunk, sealer.sealParts(plain));
    progress.done += plain.length;
    events.onChunk?.(plain.length);
    events.onProgress?.(progress.done, progress.total, file.name);
  };
  if (start.from >= chunkCount(file.size)) events.onProgress?.(progress.done, progress.total, file.name);
  else if (file.size <= CHUNK_SIZE) await sendChunk(readSmallFile(file));
  else await streamChunks(file, sealer, start.from * CHUNK_SIZE, sendChunk);
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
 * Reads a file of several chunks from `startAt` as a pipeline: while chunk i is hashed, sealed and
 * handed to the socket (`sendChunk`), the read of chunk i+1 is already running (two buffers take
 * turns), and the channel only waits when the socket holds SEND_BUFFER bytes. The final read asks for
 * one byte more than the file should have, so a file that grew is noticed without an extra read.
 */
async function streamChunks(file: LocalFile, sealer: ChunkSealer, startAt: number, sendChunk: (plain: Buffer) => Promise<void>): Promise<void> {
  const handle: FileHandle = await openSource(file.path);
  const buffers = [Buffer.allocUnsafe(CHUNK_SIZE + 1), Buffer.allocUnsafe(Math.min(CHUNK_SIZE, Math.max(0, file.size - startAt - CHUNK_SIZE)) + 1)];
  let pending: Promise<Buffer> | null = null;
  try {
    let position = startAt;
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
