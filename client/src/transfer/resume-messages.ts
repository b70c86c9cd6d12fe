/**
 * The resume negotiation of protocol version 3 (docs/protocol.md, "Resume"): after the MANIFEST the
 * receiver says which partial files it holds (HAVE), the sender answers with the signed SHA-256 of each
 * claimed chunk (DIGESTS, only if something was claimed), and the receiver names the chunk each file
 * continues from (RESUME). Here: the shapes and the checks of what a peer sent; anything out of range
 * is `protocol`.
 */
import { parseJson } from './channel';
import { CHUNK_SIZE, chunkCount } from './chunk-cipher';
import { TransferError } from './errors';
import type { ManifestEntry } from './manifest';
import { displayName } from './names';

/**
 * Most chunks one HAVE may claim over all files: their DIGESTS (64 hex digits and 3 bytes of JSON each,
 * plus a little per file and the signature) then fits in one frame (MAX_PAYLOAD). A longer verified
 * prefix is simply not claimed, and sent again.
 */
export const MAX_RESUME_CHUNKS = 15_000;

export interface HaveMessage {
  /** Partial files of an earlier attempt: whole chunks claimed, 1 ≤ chunks ≤ chunkCount(size). */
  files: { index: number; chunks: number }[];
  /** Files of which a partial was dropped because their size or mtime changed. */
  changed: number[];
}

export interface DigestsMessage {
  /** One entry per HAVE file, in HAVE order: the hex SHA-256 of chunks 0..chunks-1. */
  files: { index: number; digests: string[] }[];
  /** Ed25519 by the sender's identity key (transfer/signature.ts `signResumeDigests`). */
  signature: string;
}

export interface ResumeMessage {
  /** One entry per HAVE file: the first chunk the sender sends, 0 ≤ from ≤ chunks. */
  files: { index: number; from: number }[];
}

/** The file bytes this attempt does not move again: each resumed file's verified prefix (`from` whole chunks, at most its size). */
export function resumedBytes(starts: ReadonlyMap<number, { from: number }>, sizes: readonly number[]): number {
  let total = 0;
  for (const [index, { from }] of starts) total += Math.min(from * CHUNK_SIZE, sizes[index]);
  return total;
}

/** What both sides tell their user about a file that changed at the sender between attempts. */
export function changedNote(name: string): string {
  return `${displayName(name)} changed at the sender since the last attempt; it is sent again from the start`;
}

/** Checks a HAVE against the manifest we sent. */
export function parseHave(payload: Buffer, manifest: ManifestEntry[]): HaveMessage {
  const value = parseJson<{ files?: unknown; changed?: unknown }>(payload, 'HAVE');
  const files = list(value.files, manifest.length, 'HAVE');
  const changed = list(value.changed, manifest.length, 'HAVE');
  const seen = new Set<number>();
  let claimed = 0;
  const have: HaveMessage = { files: [], changed: [] };
  for (const f of files) {
    const { index, chunks } = (f ?? {}) as { index?: unknown; chunks?: unknown };
    const i = fileIndex(index, manifest.length, seen, 'HAVE');
    if (!isInt(chunks) || chunks < 1 || chunks > chunkCount(manifest[i].size)) throw bad('HAVE', `claims ${shown(chunks)} chunks of file ${i}`);
    claimed += chunks;
    have.files.push({ index: i, chunks });
  }
  if (claimed > MAX_RESUME_CHUNKS) throw bad('HAVE', `claims ${claimed} chunks (at most ${MAX_RESUME_CHUNKS})`);
  for (const index of changed) have.changed.push(fileIndex(index, manifest.length, seen, 'HAVE'));
  return have;
}

/** Checks a DIGESTS against the HAVE we sent (the signature is checked by the caller). */
export function parseDigests(payload: Buffer, have: HaveMessage): DigestsMessage {
  const value = parseJson<{ files?: unknown; signature?: unknown }>(payload, 'DIGESTS');
  const files = list(value.files, have.files.length, 'DIGESTS');
  if (files.length !== have.files.length) throw bad('DIGESTS', 'does not answer every claimed file');
  if (typeof value.signature !== 'string' || value.signature.length > 128) throw bad('DIGESTS', 'has no signature');
  const out: DigestsMessage = { files: [], signature: value.signature };
  for (const [k, f] of files.entries()) {
    const { index, digests } = (f ?? {}) as { index?: unknown; digests?: unknown };
    const claim = have.files[k];
    if (index !== claim.index) throw bad('DIGESTS', `answers file ${shown(index)} where file ${claim.index} was claimed`);
    if (!Array.isArray(digests) || digests.length !== claim.chunks || !digests.every((d) => typeof d === 'string' && /^[0-9a-f]{64}$/.test(d))) {
      throw bad('DIGESTS', `has not ${claim.chunks} SHA-256 digests for file ${claim.index}`);
    }
    out.files.push({ index: claim.index, digests: digests as string[] });
  }
  return out;
}

/** Checks a RESUME against the HAVE it answers; returns file index → first chunk to send. */
export function parseResume(payload: Buffer, have: HaveMessage): Map<number, number> {
  const value = parseJson<{ files?: unknown }>(payload, 'RESUME');
  const files = list(value.files, have.files.length, 'RESUME');
  if (files.length !== have.files.length) throw bad('RESUME', 'does not answer every claimed file');
  const from = new Map<number, number>();
  for (const [k, f] of files.entries()) {
    const { index, from: start } = (f ?? {}) as { index?: unknown; from?: unknown };
    const claim = have.files[k];
    if (index !== claim.index) throw bad('RESUME', `answers file ${shown(index)} where file ${claim.index} was claimed`);
    if (!isInt(start) || start < 0 || start > claim.chunks) throw bad('RESUME', `starts file ${claim.index} at chunk ${shown(start)}`);
    from.set(claim.index, start);
  }
  return from;
}

function list(value: unknown, max: number, what: string): unknown[] {
  if (!Array.isArray(value) || value.length > max) throw bad(what, 'is malformed');
  return value;
}

function fileIndex(value: unknown, count: number, seen: Set<number>, what: string): number {
  if (!isInt(value) || value < 0 || value >= count || seen.has(value)) throw bad(what, `names file ${shown(value)} out of range or twice`);
  seen.add(value);
  return value;
}

/** A peer value in our message: only a number is shown (never peer text). */
function shown(value: unknown): string {
  return isInt(value) ? String(value) : 'a malformed value';
}

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

function bad(what: string, detail: string): TransferError {
  return new TransferError('protocol', `The peer's ${what} ${detail}.`);
}
