/** The version from package.json (two levels up from client/src, three from dist/client/src). */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export function packageVersion(): string {
  for (const up of ['../..', '../../..']) {
    const file = path.join(__dirname, up, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return '0.0.0';
}
