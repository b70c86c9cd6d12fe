/**
 * The receiving side: handshake, checked MANIFEST, HAVE (the partial files an earlier attempt of this
 * session left, checked against the sender's signed DIGESTS and answered with RESUME), then per file
 * the CHUNKs (opened in order against the announced size) into a temp file and a FILE_END whose
 * digests must match, then the signed TRAILER. Files are moved into place only after all of that
 * passed; then we answer RESULT ok.
 */
import type { Duplex } from 'node:stream';
import { FrameType } from '../protocol';
import { Channel, parseJson } from './channel';
import { CHUNK_SIZE, ChunkOpener } from './chunk-cipher';
import { FileHasher } from './digests';
import { FileWriter } from './file-writer';
import { TransferError, type TransferErrorCode } from './errors';
import { runConfirmation, runHandshake } from './handshake-step';
import { parsePeerManifest, type TransferEntry } from './manifest';
import { displayName } from './names';
import { OutputDir, type ResumeClaims } from './output';
import { changedNote, parseDigests, resumedBytes } from './resume-messages';
import { verifyResumeDigests, verifyTransfer } from './signature';
import type { FileSummary, PhraseConfirmer, TransferContext, TransferEvents, TransferSummary } from './types';

export interface ReceiveOptions {
  outDir: string;
  overwrite?: boolean;
  idleTimeoutMs?: number;
  /** `--verify`: asks the user to confirm the phrase before any file byte moves. */
  confirmPhrase?: PhraseConfirmer;
  /**
   * Resume: when the attempt fails because the link failed (`peer_closed`, `timeout`, `tls`), keep the
   * temp files, created directories and the sidecar for the next attempt of this session. Any other
   * failure removes everything, as without it.
   */
  keepPartial?: boolean;
}

/** Failures of the link itself: the session may go on over a new link. */
const LINK_FAILURES: ReadonlySet<TransferErrorCode> = new Set(['peer_closed', 'timeout', 'tls']);

/** Where a file starts: its first chunk over this link and the hasher over the verified prefix. */
interface StartPoint {
  from: number;
  hasher: FileHasher;
}

export async function receiveFiles(
  socket: Duplex,
  ctx: TransferContext,
  opts: ReceiveOptions,
  events: TransferEvents = {},
): Promise<TransferSummary> {
  const channel = new Channel(socket, opts.idleTimeoutMs);
  const output = new OutputDir(opts.outDir, opts.overwrite ?? false, ctx.sessionId);
  try {
    const handshake = await runHandshake(channel, ctx, 'receiver', Boolean(opts.confirmPhrase));
    const { fileKey, verificationPhrase } = handshake;
    events.onHandshake?.({ verificationPhrase });
    const manifestTimeout = await runConfirmation(channel, 'receiver', handshake, opts.confirmPhrase, events);
    const manifest = parsePeerManifest(await channel.expect(FrameType.Manifest, manifestTimeout));
    const claims = await output.prepare(manifest);
    events.onManifest?.(manifest);
    const starts = await negotiateResume(channel, ctx, output, manifest, claims, events);

    const total = manifest.reduce((sum, f) => sum + f.size, 0);
    events.onResume?.({ resumedBytes: resumedBytes(starts, manifest.map((f) => f.size)), bytes: total });
    const progress = { done: 0, total };
    const counts = { linkBytes: 0, resumedBytes: 0 };
    const summaries: FileSummary[] = [];
    for (const [index, entry] of manifest.entries()) {
      const start = starts.get(index) ?? { from: 0, hasher: new FileHasher() };
      const kept = Math.min(start.from * CHUNK_SIZE, entry.size);
      counts.resumedBytes += kept;
      progress.done += kept;
      const opener = new ChunkOpener(fileKey, ctx.sessionId, index, entry.size, start.from);
      summaries.push(await receiveOneFile(channel, output, opener, entry, index, start.hasher, kept, progress, events));
      counts.linkBytes += entry.size - kept;
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
    return { bytes: total, ...counts, files: summaries, verificationPhrase };
  } catch (err) {
    const failure = channel.fail(err);
    if (opts.keepPartial && LINK_FAILURES.has(failure.code)) await output.keep();
    else await output.discard();
    throw failure;
  }
}

/**
 * Sends HAVE; if it claimed anything, checks the sender's signed DIGESTS against our partial files
 * (re-read chunk by chunk) and sends RESUME with the first chunk of each that differs.
 */
async function negotiateResume(
  channel: Channel,
  ctx: TransferContext,
  output: OutputDir,
  manifest: TransferEntry[],
  claims: ResumeClaims,
  events: TransferEvents,
): Promise<Map<number, StartPoint>> {
  for (const index of claims.changed) events.onNote?.(changedNote(manifest[index].name));
  await channel.sendJson(FrameType.Have, { files: claims.files, changed: claims.changed });
  const starts = new Map<number, StartPoint>();
  if (claims.files.length === 0) return starts;

  const answer = parseDigests(await channel.expect(FrameType.Digests), claims);
  const signed = answer.files.map(({ index, digests }) => ({ index, ...pick(manifest[index]), digests }));
  const ok = verifyResumeDigests({ sessionId: ctx.sessionId, sender: ctx.peer.username, receiver: ctx.self.username, files: signed }, answer.signature, ctx.peer.identityPublicKey);
  if (!ok) throw new TransferError('signature', `The resume digests are not signed by ${ctx.peer.username}'s identity key; nothing was kept.`);
  const resume: { index: number; from: number }[] = [];
  for (const { index, digests } of answer.files) {
    const start = output.checkPartial(manifest[index], digests);
    starts.set(index, start);
    resume.push({ index, from: start.from });
  }
  await channel.sendJson(FrameType.Resume, { files: resume });
  return starts;
}

function pick({ name, size, mtime }: TransferEntry): { name: string; size: number; mtime: number } {
  return { name, size, mtime };
}

async function receiveOneFile(
  channel: Channel,
  output: OutputDir,
  opener: ChunkOpener,
  entry: TransferEntry,
  index: number,
  hasher: FileHasher,
  kept: number,
  progress: { done: number; total: number },
  events: TransferEvents,
): Promise<FileSummary> {
  const writer = new FileWriter((await output.createTemp(entry.name, kept)).fd, entry.size, kept);
  if (opener.done) events.onProgress?.(progress.done, progress.total, entry.name);
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
  entry: TransferEntry,
  progress: { done: number; total: number },
  events: TransferEvents,
): Promise<Buffer> {
  for (;;) {
    const frame = await channel.next();
    if (frame.type === FrameType.Chunk) {
      const plain = opener.open(frame.payload);
      channel.release(frame.payload); // opened into `plain`: its memory can take a later chunk
      hasher.update(plain);
      await writer.write(plain);
      progress.done += plain.length;
      events.onChunk?.(plain.length);
      events.onProgress?.(progress.done, progress.total, entry.name);
    } else if (frame.type === FrameType.FileEnd) {
      return frame.payload;
    } else {
      throw new TransferError('protocol', `Unexpected ${FrameType[frame.type]} frame while receiving a file.`);
    }
  }
}

