/** SPEC §5: no user enumeration; lookups of unknown usernames are rate-limited like unknown session ids. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAndLogin, type TestAccount } from '../support/accounts';
import { startTestServer, type TestServer } from '../support/test-server';

describe('user enumeration', () => {
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
