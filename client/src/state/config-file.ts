/** config.json: the server to use by default and the CA certificates (PEM) trusted per server. */
import * as path from 'node:path';
import { readJsonFile, writeJsonFile } from './atomic-file';
import { serverKey } from './home';

interface ConfigShape {
  server?: string;
  ca?: Record<string, string>;
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

  /** Remembers `serverUrl` as the default, and its CA PEM when given. */
  async remember(serverUrl: string, caPem?: string): Promise<void> {
    const config = await this.read();
    config.server = serverUrl;
    if (caPem) config.ca = { ...config.ca, [serverKey(serverUrl)]: caPem };
    await writeJsonFile(this.file, config);
  }

  private read(): Promise<ConfigShape> {
    return readJsonFile<ConfigShape>(this.file, {});
  }
}
