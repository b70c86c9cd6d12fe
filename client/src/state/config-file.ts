/**
 * config.json: the server to use by default, and per server the CA certificate (PEM) to trust and
 * the username last logged in with (so `sft login --password-stdin` needs no --username).
 */
import * as path from 'node:path';
import { readJsonFile, writeJsonFile } from './atomic-file';
import { serverKey } from './home';

interface ConfigShape {
  server?: string;
  ca?: Record<string, string>;
  username?: Record<string, string>;
}

export class ConfigFile {
  private readonly file: string;

  constructor(home: string) {
    this.file = path.join(home, 'config.json');
  }

  /** The remembered server URL, if any. */
  async server(): Promise<string | undefined> {
    return (await this.read()).server;
  }

  /** The CA certificate PEM remembered for `serverUrl`, if any. */
  async caFor(serverUrl: string): Promise<string | undefined> {
    return (await this.read()).ca?.[serverKey(serverUrl)];
  }

  /** The username last logged in with at `serverUrl`, if any. */
  async usernameFor(serverUrl: string): Promise<string | undefined> {
    return (await this.read()).username?.[serverKey(serverUrl)];
  }

  /** Remembers `serverUrl` as the default, and its CA PEM and the username when given. */
  async remember(serverUrl: string, caPem?: string, username?: string): Promise<void> {
    const config = await this.read();
    config.server = serverUrl;
    if (caPem) config.ca = { ...config.ca, [serverKey(serverUrl)]: caPem };
    if (username) config.username = { ...config.username, [serverKey(serverUrl)]: username };
    await writeJsonFile(this.file, config);
  }

  private read(): Promise<ConfigShape> {
    return readJsonFile<ConfigShape>(this.file, {});
  }
}
