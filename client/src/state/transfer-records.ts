/**
 * transfers/<sessionId>.json (mode 0600, written atomically): one record per live-session transfer, kept
 * from the meeting to the end (removed on success and on final failure). A process that dies mid-transfer
 * leaves it behind, so the same command run again can find the session to resume (issue 14).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readJsonFile, writeJsonFile } from './atomic-file';

export interface TransferRecord {
  sessionId: string;
  /** The server's origin (`https://host:port`). */
  serverUrl: string;
  party: 'host' | 'joiner';
  role: 'sender' | 'receiver';
  /** The peer's username. */
  peer: string;
  /** The sender's sources, absolute paths as given. */
  files?: string[];
  /** The receiver's output directory, absolute. */
  outDir?: string;
  createdAt: string;
  /** The process that runs it: a record whose process is still alive is not resumed by another. */
  pid?: number;
}

/** Whether the process that wrote `record` still runs (then the transfer is not ours to resume). */
export function isRunning(record: TransferRecord): boolean {
  if (!record.pid || record.pid === process.pid) return false;
  try {
    process.kill(record.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Session ids are short base-36 groups; anything else never becomes a file name. */
const SESSION_ID = /^[0-9a-z-]{1,64}$/i;

export class TransferRecords {
  private readonly dir: string;

  constructor(home: string) {
    this.dir = path.join(home, 'transfers');
  }

  async put(record: TransferRecord): Promise<void> {
    await writeJsonFile(this.file(record.sessionId), record);
  }

  async get(sessionId: string): Promise<TransferRecord | undefined> {
    return readJsonFile<TransferRecord | undefined>(this.file(sessionId), undefined);
  }

  async remove(sessionId: string): Promise<void> {
    await fs.rm(this.file(sessionId), { force: true });
  }

  /** Every record, oldest first; unreadable files are skipped. */
  async list(): Promise<TransferRecord[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const records: TransferRecord[] = [];
    for (const name of names) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      const record = await readJsonFile<TransferRecord | undefined>(path.join(this.dir, name), undefined).catch(() => undefined);
      if (record && typeof record.sessionId === 'string' && `${record.sessionId}.json` === name) records.push(record);
    }
    return records.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  private file(sessionId: string): string {
    if (!SESSION_ID.test(sessionId)) throw new Error(`Not a session id: ${JSON.stringify(sessionId)}.`);
    return path.join(this.dir, `${sessionId}.json`);
  }
}
