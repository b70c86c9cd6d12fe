import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppConfig } from '../../src/config/app-config';

const dir = mkdtempSync(join(tmpdir(), 'sft-dbpw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SFT_DB_PASSWORD_FILE', () => {
  it('puts the password from the file into the mysql URL, replacing one given there', () => {
    const file = join(dir, 'pw');
    writeFileSync(file, 'p@ss:w/rd%\n', { mode: 0o600 });
    const config = AppConfig.load({ env: { SFT_DB_URL: 'mysql://sft:old@mysql:3306/sft', SFT_DB_PASSWORD_FILE: file } });
    expect(config.database.type).toBe('mysql');
    const url = new URL(config.database.type === 'mysql' ? config.database.url : '');
    expect(decodeURIComponent(url.password)).toBe('p@ss:w/rd%');
    expect(url.username).toBe('sft');
    expect(url.host).toBe('mysql:3306');
    expect(url.pathname).toBe('/sft');
  });

  it.each([
    [{ SFT_DB_URL: 'mysql://sft@mysql/sft', SFT_DB_PASSWORD_FILE: join(dir, 'missing') }, /cannot read SFT_DB_PASSWORD_FILE file .*missing \(ENOENT\)/],
    [{ SFT_DB_URL: 'sqlite:/tmp/x.db', SFT_DB_PASSWORD_FILE: join(dir, 'pw') }, /needs a mysql:\/\/ database URL/],
  ])('refuses %j with one line', (env, message) => {
    expect(() => AppConfig.load({ env })).toThrow(message);
  });

  it('refuses an empty password file', () => {
    const file = join(dir, 'empty');
    writeFileSync(file, '\n');
    expect(() => AppConfig.load({ env: { SFT_DB_URL: 'mysql://sft@mysql/sft', SFT_DB_PASSWORD_FILE: file } })).toThrow(/is empty/);
  });
});
