/**
 * The MANIFEST: the list of files a sender offers, as {name, size, mtime} with '/'-separated relative
 * names. collectFiles() builds it from command-line paths; parsePeerManifest() checks one received from
 * a peer (protocol version 3: `mtime` required), parseManifest() a stored delivery's {name, size} list.
 */
import { lstat, opendir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { TransferError } from './errors';
import { checkNameCollisions, safeRelativeName } from './names';

/** Most files one transfer may carry; the server accepts session file lists of the same length. */
export const MAX_FILES = 1_000;

export interface ManifestEntry {
  name: string;
  size: number;
}

/** A MANIFEST entry of the peer protocol: `mtime` (whole ms) lets a later attempt tell a changed source (resume). */
export interface TransferEntry extends ManifestEntry {
  mtime: number;
}

/** A file to send: where it is on disk and how it is named in the manifest. */
export interface LocalFile extends TransferEntry {
  path: string;
}

/** The modification time a manifest carries: whole milliseconds, never negative. */
export function manifestMtime(mtimeMs: number): number {
  return Math.max(0, Math.floor(mtimeMs));
}

/**
 * Expands paths into regular files: a file is sent under its base name, a directory as its tree
 * (named "<dir>/<relative path>"). Symlinks and special files inside a tree are skipped with a note.
 */
export async function collectFiles(paths: string[], onNote: (message: string) => void = () => undefined): Promise<LocalFile[]> {
  const files: LocalFile[] = [];
  for (const path of paths) {
    const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
      throw new TransferError('io', `Cannot read ${path}: ${err.code ?? err.message}.`);
    });
    const name = basename(path.replace(/[/\\]+$/, '')) || basename(join(process.cwd(), path));
    if (info.isFile()) files.push({ path, name, size: info.size, mtime: manifestMtime(info.mtimeMs) });
    else if (info.isDirectory()) await walk(path, name, files, onNote);
    else onNote(`Skipped ${path}: not a regular file or directory.`);
    if (files.length > MAX_FILES) throw new TransferError('io', `Too many files: at most ${MAX_FILES} per transfer. Send an archive (tar, zip) instead.`);
  }
  if (files.length === 0) throw new TransferError('io', 'Nothing to send: no regular files among the given paths.');
  for (const f of files) f.name = safeRelativeName(f.name); // NFC, as the receiver will see and verify it
  checkNameCollisions(files.map((f) => f.name));
  return files;
}

async function walk(dir: string, prefix: string, out: LocalFile[], onNote: (message: string) => void): Promise<void> {
  const entries: string[] = [];
  for await (const entry of await opendir(dir)) entries.push(entry.name);
  entries.sort();
  for (const entry of entries) {
    const path = join(dir, entry);
    const name = `${prefix}/${entry}`;
    const info = await lstat(path);
    if (info.isSymbolicLink()) onNote(`Skipped ${path}: symbolic links are not sent.`);
    else if (info.isDirectory()) await walk(path, name, out, onNote);
    else if (info.isFile()) out.push({ path, name, size: info.size, mtime: manifestMtime(info.mtimeMs) });
    else onNote(`Skipped ${path}: not a regular file.`);
    if (out.length > MAX_FILES) return;
  }
}

/** Parses and checks a peer's MANIFEST payload (each entry with its `mtime`); names come back in their safe (NFC) form. */
export function parsePeerManifest(payload: Buffer): TransferEntry[] {
  return parseEntries(payload, true) as TransferEntry[];
}

/** Parses and checks a {files: [{name, size}]} list (a stored delivery's); names come back in their safe (NFC) form. */
export function parseManifest(payload: Buffer): ManifestEntry[] {
  return parseEntries(payload, false);
}

function parseEntries(payload: Buffer, withMtime: boolean): ManifestEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new TransferError('protocol', 'The peer sent a manifest that is not JSON.');
  }
  const files = (value as { files?: unknown } | null)?.files;
  if (!Array.isArray(files) || files.length === 0 || files.length > MAX_FILES) {
    throw new TransferError('protocol', `The peer sent a manifest without 1 to ${MAX_FILES} files.`);
  }
  const entries = files.map((f: unknown): ManifestEntry | TransferEntry => {
    const { name, size, mtime } = (f ?? {}) as { name?: unknown; size?: unknown; mtime?: unknown };
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      throw new TransferError('protocol', 'The peer sent a manifest entry with an invalid size.');
    }
    if (!withMtime) return { name: safeRelativeName(name), size };
    if (typeof mtime !== 'number' || !Number.isSafeInteger(mtime) || mtime < 0) {
      throw new TransferError('protocol', 'The peer sent a manifest entry with an invalid modification time.');
    }
    return { name: safeRelativeName(name), size, mtime };
  });
  checkNameCollisions(entries.map((e) => e.name));
  if (!Number.isSafeInteger(entries.reduce((sum, e) => sum + e.size, 0))) {
    throw new TransferError('protocol', 'The manifest total size is out of range.');
  }
  return entries;
}
