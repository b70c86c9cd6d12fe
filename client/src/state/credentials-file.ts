/** credentials.json (mode 0600): the login token and username per server URL. */
import * as path from 'node:path';
import { readJsonFile, writeJsonFile } from './atomic-file';
import { serverKey } from './home';

export interface Credentials {
  username: string;
  /** Bearer token. Secret: never printed. */
  token: string;
  expiresAt?: string;
}

export class CredentialsFile {
  private readonly file: string;

  constructor(home: string) {
    this.file = path.join(home, 'credentials.json');
  }

  async get(serverUrl: string): Promise<Credentials | undefined> {
    const all = await readJsonFile<Record<string, Credentials>>(this.file, {});
    return all[serverKey(serverUrl)];
  }

  async set(serverUrl: string, credentials: Credentials): Promise<void> {
    const all = await readJsonFile<Record<string, Credentials>>(this.file, {});
    all[serverKey(serverUrl)] = credentials;
    await writeJsonFile(this.file, all);
  }

  async delete(serverUrl: string): Promise<void> {
    const all = await readJsonFile<Record<string, Credentials>>(this.file, {});
    delete all[serverKey(serverUrl)];
    await writeJsonFile(this.file, all);
  }
}
