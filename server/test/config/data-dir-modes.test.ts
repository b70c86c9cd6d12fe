/** SPEC §5: secrets and the SQLite database in the data dir are unreadable by other users, even in a pre-existing 0755 dir. */
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAndLogin } from '../support/accounts';
import { startTestServer, type TestServer } from '../support/test-server';

describe('data dir file modes', () => {
  let dataDir: string;
  let t: TestServer | undefined;

  beforeAll(async () => {
    // A data dir that already exists with ordinary permissions (e.g. --data-dir /var/lib/sft, a volume).
    dataDir = mkdtempSync(join(tmpdir(), 'sft-review-data-'));
    chmodSync(dataDir, 0o755);
    t = await startTestServer({ dataDir });
    await registerAndLogin(t.api, 'alice');
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the secret files 0600', () => {
    for (const name of ['jwt-secret', 'master.key', join('tls', 'ca-key.pem'), join('tls', 'server-key.pem')]) {
      expect(statSync(join(dataDir, name)).mode & 0o777, name).toBe(0o600);
    }
  });

  it('keeps the SQLite database and its WAL files (bcrypt hashes, encrypted session keys) unreadable by others', () => {
    for (const name of ['sft.sqlite', 'sft.sqlite-wal', 'sft.sqlite-shm']) {
      expect(statSync(join(dataDir, name)).mode & 0o077, name).toBe(0);
    }
  });
});
