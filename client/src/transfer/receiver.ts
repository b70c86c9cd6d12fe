/**
 * The receiving side: handshake, checked MANIFEST, then per file the CHUNKs (opened in order against
 * the announced size) into a temp file and a FILE_END whose digests must match, then the signed
 * TRAILER. Files are moved into place only after all of that passed; then we answer RESULT ok.
 */
import type { Duplex } from 'node:stream';
import { FrameType } from '../protocol';
import { Channel, parseJson } from './channel';
import { ChunkOpener } from './chunk-cipher';
import { FileHasher } from './digests';
import { FileWriter } from './file-writer';
import { TransferError } from './errors';
import { runConfirmation, runHandshake } from './handshake-step';
import { parseManifest, type ManifestEntry } from './manifest';
import { displayName } from './names';
import { OutputDir } from './output';
import { verifyTransfer } from './signature';
import type { FileSummary, PhraseConfirmer, TransferContext, TransferEvents, TransferSummary } from './types';

export interface ReceiveOptions {
  outDir: string;
  overwrite?: boolean;
  idleTimeoutMs?: number;
  /** `--verify`: asks the user to confirm the phrase before any file byte moves. */
  confirmPhrase?: PhraseConfirmer;
}

export async function receiveFiles(
  socket: Duplex,
  ctx: TransferContext,
  opts: ReceiveOptions,
  events: TransferEvents = {},
): Promise<TransferSummary> {
  const channel = new Channel(socket, opts.idleTimeoutMs);
  const output = new OutputDir(opts.outDir, opts.overwrite ?? false);
  try {
    const handshake = await runHandshake(channel, ctx, 'receiver', Boolean(opts.confirmPhrase));
    const { fileKey, verificationPhrase } = handshake;
    events.onHandshake?.({ verificationPhrase });
    const manifestTimeout = await runConfirmation(channel, 'receiver', handshake, opts.confirmPhrase, events);
    const manifest = parseManifest(await channel.expect(FrameType.Manifest, manifestTimeout));
    await output.prepare(manifest);
    events.onManifest?.(manifest);

    const total = manifest.reduce((sum, f) => sum + f.size, 0);
    const progress = { done: 0, total };
    const summaries: FileSummary[] = [];
    for (const [index, entry] of manifest.entries()) {
      const opener = new ChunkOpener(fileKey, ctx.sessionId, index, entry.size);
      summaries.push(await receiveOneFile(channel, output, opener, entry, index, progress, events));
    }
    fileKey.fill(0);

    const trailer = await channel.expectJson<{ signature?: unknown }>(FrameType.Trailer);
    const signed = { sessionId: ctx.sessionId, sender: ctx.peer.username, receiver: ctx.self.username, files: summaries };
    if (typeof trailer.signature !== 'string' || !verifyTransfer(signed, trailer.signature, ctx.peer.identityPublicKey)) {
      throw new TransferError('signature', `The file list is not signed by ${ctx.peer.username}'s identity key; nothing was kept.`);
    }
    await output.commit();
    for (const summary of summaries) events.onFileDone?.(summary);
    // Verified and kept: a sender that hangs up before our RESULT reaches it does not undo that.
    await channel.sendJson(FrameType.Result, { ok: true }).catch(() => undefined);
    channel.close();
    return { bytes: total, files: summaries, verificationPhrase };
  } catch (err) {
    await output.discard();
    throw channel.fail(err);
  }
}

async function receiveOneFile(
  channel: Channel,
  output: OutputDir,
  opener: ChunkOpener,
  entry: ManifestEntry,
  index: number,
  progress: { done: number; total: number },
  events: TransferEvents,
): Promise<FileSummary> {
  const hasher = new FileHasher();
  const writer = new FileWriter((await output.createTemp(entry.name)).fd, entry.size);
  let fileEnd: Buffer;
  try {
    fileEnd = await receiveChunks(channel, opener, hasher, writer, entry, progress, events);
    opener.finish();
    await writer.flush();
  } catch (err) {
    await writer.settle(); // no write may still use the descriptor when the failure path closes it
    throw err;
  }
  await output.finishTemp();
  const claimed = parseJson<{ index?: unknown; crc32?: unknown; sha256?: unknown }>(fileEnd, 'FILE_END');
  const digests = hasher.digest();
  if (claimed.index !== index) throw new TransferError('protocol', `FILE_END for file ${String(claimed.index)} arrived during file ${index}.`);
  if (claimed.crc32 !== digests.crc32 || claimed.sha256 !== digests.sha256) {
    throw new TransferError('integrity', `${displayName(entry.name)}: CRC32 or SHA-256 does not match what the sender computed; nothing was kept.`);
  }
  return { name: entry.name, size: entry.size, ...digests, savedAs: output.targetOf(entry.name) };
}

/** The file's CHUNKs, opened, hashed and handed to the writer, up to its FILE_END (whose payload is returned). */
async function receiveChunks(
  channel: Channel,
  opener: ChunkOpener,
  hasher: FileHasher,
  writer: FileWriter,
  entry: ManifestEntry,
  progress: { done: number; total: number },
  events: TransferEvents,
): Promise<Buffer> {
  for (;;) {
    const frame = await channel.next();
    if (frame.type === FrameType.Chunk) {
      const plain = opener.open(frame.payload);
      hasher.update(plain);
      await writer.write(plain);
      progress.done += plain.length;
      events.onProgress?.(progress.done, progress.total, entry.name);
    } else if (frame.type === FrameType.FileEnd) {
      return frame.payload;
    } else {
      throw new TransferError('protocol', `Unexpected ${FrameType[frame.type]} frame while receiving a file.`);
    }
  }
}
