import { readFileSync } from 'node:fs';
import type { DatabaseConfig } from './app-config';

/**
 * SFT_DB_PASSWORD_FILE: the MySQL password read from a file (a Docker secret, a volume written
 * by docker-compose.yml's `init` service) instead of written into SFT_DB_URL, so it appears in
 * no environment listing. It replaces any password in the URL; one trailing newline is ignored.
 */
export function withPasswordFromFile(database: DatabaseConfig, passwordFile: string | undefined): DatabaseConfig {
  if (passwordFile === undefined || passwordFile === '') return database;
  if (database.type !== 'mysql') {
    throw new Error('Invalid configuration: SFT_DB_PASSWORD_FILE needs a mysql:// database URL.');
  }
  let password: string;
  try {
    password = readFileSync(passwordFile, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new Error(
      `Invalid configuration: cannot read SFT_DB_PASSWORD_FILE file ${passwordFile} (${(error as NodeJS.ErrnoException).code}).`,
    );
  }
  if (password === '') throw new Error(`Invalid configuration: SFT_DB_PASSWORD_FILE file ${passwordFile} is empty.`);
  const url = new URL(database.url);
  url.password = encodeURIComponent(password);
  return { type: 'mysql', url: url.toString() };
}
