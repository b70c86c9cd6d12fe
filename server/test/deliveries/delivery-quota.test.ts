/**
 * The quota holds under concurrency: announcements made at once never together exceed the sender's quota.
 * On MariaDB a check-then-insert takes several of them (4 of 12 in our runs); on SQLite it happened to hold
 * before the conditional INSERT as well (better-sqlite3 answers synchronously, so nothing ran between the sum
 * and the insert), and this run guards the statement that now makes it hold by construction.
 */
import { Agent } from 'node:https';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DeliveriesService } from '../../src/deliveries/deliveries.service';
import { PART_BYTES } from '../../src/deliveries/delivery-limits';
import { registerAndLogin, type TestAccount } from '../support/accounts';
import { describeEachDatabase } from '../support/databases';
import { ApiClient } from '../support/https-client';
import { startTestServer, type TestServer } from '../support/test-server';

const QUOTA = 10 * PART_BYTES;
/** Any two of these together exceed the quota. */
const BYTES = 6 * PART_BYTES;
const AT_ONCE = 12;

describeEachDatabase(`${DeliveriesService.name} quota`, (db) => {
  let t: TestServer;
  let alice: TestAccount;

  beforeAll(async () => {
    t = await startTestServer({ dbUrl: db.dbUrl, env: { SFT_STORE_QUOTA: String(QUOTA), SFT_STORE_MAX_BYTES: String(QUOTA) } });
    [alice] = await Promise.all(['alice', 'bob'].map((name) => registerAndLogin(t.api, name)));
  });
  afterAll(async () => {
    await t?.close();
  });

  const announce = (api: ApiClient) =>
    api.post('/deliveries', {
      token: alice.token,
      body: { recipient: 'bob', files: [{ name: 'a.bin', size: 1 }], bytes: BYTES, ephemeralKey: Buffer.alloc(32, 3).toString('base64'), recipientKeyFingerprint: 'ab'.repeat(32) },
    });

  it(`takes one of ${AT_ONCE} simultaneous announcements that do not fit together, and refuses the others with quota_exceeded`, async () => {
    // Open the connections first (TLS handshakes take turns), so that the announcements arrive together.
    const agent = new Agent({ keepAlive: true, maxSockets: AT_ONCE, ca: t.caPem });
    const api = new ApiClient(t.url, t.caPem, agent);
    let answers: Awaited<ReturnType<typeof announce>>[];
    try {
      await Promise.all(Array.from({ length: AT_ONCE }, () => api.get('/health')));
      expect(Object.values(agent.freeSockets).flat()).toHaveLength(AT_ONCE);
      answers = await Promise.all(Array.from({ length: AT_ONCE }, () => announce(api)));
    } finally {
      agent.destroy();
    }
    expect(answers.filter((res) => res.status === 201)).toHaveLength(1);
    for (const res of answers.filter((res) => res.status !== 201)) {
      expect(res.status).toBe(507);
      expect(res.body.code).toBe('quota_exceeded');
    }
    const mine = (await t.api.get('/deliveries', { token: alice.token })).body as { state: string; bytes: number }[];
    expect(mine.filter((d) => d.state === 'uploading').map((d) => d.bytes)).toEqual([BYTES]);
  });
});
