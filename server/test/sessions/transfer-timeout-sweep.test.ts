/** SPEC §4: a joined session whose reports never come closes `failed` after the transfer timeout, and its key is erased. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAndLogin, type TestAccount } from '../support/accounts';
import { sessionRow } from '../support/db-rows';
import { createSession, peerCertificate } from '../support/sessions';
import { startTestServer, type TestServer } from '../support/test-server';

describe('transfer-timeout sweep', () => {
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
