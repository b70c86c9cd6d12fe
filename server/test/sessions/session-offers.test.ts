import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAndLogin, type TestAccount } from '../support/accounts';
import { describeEachDatabase } from '../support/databases';
import { createSession, peerCertificate } from '../support/sessions';
import { startTestServer, type TestServer } from '../support/test-server';

describeEachDatabase('GET /sessions/offers', (db) => {
  let t: TestServer;
  let alice: TestAccount;
  let bob: TestAccount;
  let carol: TestAccount;

  beforeAll(async () => {
    t = await startTestServer({ dbUrl: db.dbUrl, options: { sessionTtlSeconds: 600 } });
    [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((name) => registerAndLogin(t.api, name)));
  });
  afterAll(async () => {
    await t?.close();
  });

  const offersOf = async (account: TestAccount) => {
    const res = await t.api.get('/sessions/offers', { token: account.token });
    expect(res.status).toBe(200);
    return res.body as { id: string; host: string; direction: string; files: { name: string; size: number }[]; expiresAt: string }[];
  };

  it('lists a waiting session opened --to me, with host, direction, files and expiry, and nothing of its keys or certificates', async () => {
    const files = [{ name: 'report.pdf', size: 12 }];
    const created = await createSession(t.api, alice, { invitee: 'bob', files });
    const offers = await offersOf(bob);
    const offer = offers.find((o) => o.id === created.session.id);
    expect(offer).toEqual({
      id: created.session.id, direction: 'host-sends', host: 'alice', files,
      createdAt: created.session.createdAt, expiresAt: created.session.expiresAt,
    });
    expect(JSON.stringify(offers)).not.toContain('CERTIFICATE');
    expect(JSON.stringify(offers)).not.toContain(created.key);
  });

  it('shows it to nobody else: not to another user, not to the host, and not an open session without --to', async () => {
    const forBob = await createSession(t.api, alice, { invitee: 'bob' });
    const open = await createSession(t.api, alice);
    for (const other of [carol, alice]) {
      const ids = (await offersOf(other)).map((o) => o.id);
      expect(ids).not.toContain(forBob.session.id);
      expect(ids).not.toContain(open.session.id);
    }
    expect((await offersOf(bob)).map((o) => o.id)).not.toContain(open.session.id);
  });

  it('drops an offer once it is joined or cancelled', async () => {
    const joined = await createSession(t.api, alice, { invitee: 'bob' });
    const cancelled = await createSession(t.api, alice, { invitee: 'bob' });
    const { certPem } = await peerCertificate('joiner');
    expect((await t.api.post(`/sessions/${joined.session.id}/join`, { token: bob.token, body: { certificate: certPem } })).status).toBe(200);
    expect((await t.api.post(`/sessions/${cancelled.session.id}/cancel`, { token: alice.token, body: {} })).status).toBe(200);
    const ids = (await offersOf(bob)).map((o) => o.id);
    expect(ids).not.toContain(joined.session.id);
    expect(ids).not.toContain(cancelled.session.id);
  });

  it('needs a token', async () => {
    expect((await t.api.get('/sessions/offers')).status).toBe(401);
  });
});

describe('GET /sessions/offers after expiry', () => {
  it('does not list an offer past its expiry, even before the sweeper ran', async () => {
    const t = await startTestServer({ options: { sessionTtlSeconds: 1, sweepIntervalSeconds: 3600 } });
    try {
      const [alice, bob] = await Promise.all(['alice', 'bob'].map((name) => registerAndLogin(t.api, name)));
      const created = await createSession(t.api, alice, { invitee: 'bob' });
      const before = await t.api.get('/sessions/offers', { token: bob.token });
      expect(before.body.map((o: { id: string }) => o.id)).toContain(created.session.id);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const after = await t.api.get('/sessions/offers', { token: bob.token });
      expect(after.body.map((o: { id: string }) => o.id)).not.toContain(created.session.id);
    } finally {
      await t.close();
    }
  });
});
