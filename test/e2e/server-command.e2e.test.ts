/**
 * `sft server` settings, through the real CLI: the server's AppConfig is the one place that reads and checks
 * options and environment, and a bad setting is one line on stderr with exit 2 (SPEC exit table).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectExit, makeTempDir, runSft, spawnSft } from '../support/sft-process';

describe('sft server settings', () => {
  const dirs: string[] = [];
  const dataDir = async () => {
    const dir = await makeTempDir('sft-server-command-');
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
  });

  it.each([
    ['SFT_PORT', 'abc'],
    ['SFT_PORT', '70000'],
    ['SFT_RELAY_PORT', 'abc'],
    ['SFT_SESSION_TTL', '-5'],
    ['SFT_DB_URL', 'postgres://x'],
    ['SFT_REDIS_URL', 'http://x'],
  ])('refuses %s=%s with one line naming it and exit 2, without starting', async (name, value) => {
    const dir = await dataDir();
    const result = expectExit(await runSft(['server', '--data-dir', dir], { env: { [name]: value } }), 2);
    const lines = result.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Invalid configuration/);
    expect(lines[0]).toContain(name === 'SFT_DB_URL' ? 'database URL' : name);
    expect(result.stdout).not.toMatch(/listening/);
    // Nothing was made in the data dir: the settings are checked before anything is written.
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('refuses an SFT_TLS_CERT file it cannot read with one line naming it and exit 2', async () => {
    const dir = await dataDir();
    const missing = path.join(dir, 'missing.pem');
    const result = expectExit(await runSft(['server', '--data-dir', dir], { env: { SFT_TLS_CERT: missing, SFT_TLS_KEY: missing } }), 2);
    expect(result.stderr.trim()).toMatch(/^sft: Invalid configuration: cannot read SFT_TLS_CERT file .*missing\.pem \(ENOENT\)\.$/);
  });

  it('uses --db and --port over a bad SFT_DB_URL and SFT_PORT in the environment', async () => {
    const dir = await dataDir();
    const server = spawnSft(
      ['server', '--port', '0', '--no-relay', '--host', '127.0.0.1', '--data-dir', dir, '--db', `sqlite:${path.join(dir, 'given.sqlite')}`],
      { env: { SFT_DB_URL: 'not a url', SFT_PORT: 'abc' } },
    );
    try {
      const url = (await server.waitForStdout(/^sft server listening on (\S+)$/m))[1];
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(await fs.readdir(dir)).toContain('given.sqlite');
    } finally {
      server.child.kill('SIGTERM');
      await server.done;
    }
  });
});
