/**
 * Security review (SPEC §4–§5), server side: defects the review found, each kept as a test once fixed.
 */
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAndLogin, type TestAccount } from '../../server/test/support/accounts';
import { sessionRow } from '../../server/test/support/db-rows';
import { createSession, peerCertificate } from '../../server/test/support/sessions';
import { startTestServer, type TestServer } from '../../server/test/support/test-server';

describe('review: transfer-timeout sweep', () => {
  let t: TestServer;
  let alice: TestAccount;
  let bob: TestAccount;

  beforeAll(async () => {
    t = await startTestServer({ options: { transferTimeoutSeconds: 1, sweepIntervalSeconds: 0.1 } });
    [alice, bob] = await Promise.all([registerAndLogin(t.api, 'alice'), registerAndLogin(t.api, 'bob')]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('closes a joined session whose reports never came as failed and erases its key, without any read', async () => {
    const { session } = await createSession(t.api, alice, { invitee: 'bob' });
    const { certPem } = await peerCertificate('joiner');
    const joined = await t.api.post(`/sessions/${session.id}/join`, { token: bob.token, body: { certificate: certPem } });
    expect(joined.status).toBe(200);
    expect((await sessionRow(t.dbUrl, session.id))?.encrypted_key).not.toBeNull();
    let row = await sessionRow(t.dbUrl, session.id);
    for (let i = 0; i < 100 && row?.state === 'joined'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      row = await sessionRow(t.dbUrl, session.id);
    }
    expect(row).toMatchObject({ state: 'failed', encrypted_key: null });
  });
});

describe('review: data dir file modes', () => {
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

describe('review: user enumeration', () => {
  let t: TestServer;
  let alice: TestAccount;

  beforeAll(async () => {
    t = await startTestServer();
    alice = await registerAndLogin(t.api, 'alice');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('limits lookups of unknown usernames like lookups of unknown session ids', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) {
      statuses.push((await t.api.get(`/users/guess${i}/signing-key`, { token: alice.token })).status);
    }
    expect(statuses).toContain(429);
  });
});
