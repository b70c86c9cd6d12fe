/**
 * Issue 14 (resume), the server's part: `interrupted` sessions, attempts, rejoining after a restart, and the
 * link bytes of the reports. On SQLite and MySQL, like the other session suites.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAndLogin, type TestAccount } from '../support/accounts';
import { describeEachDatabase } from '../support/databases';
import { sessionRow } from '../support/db-rows';
import { createSession, peerCertificate, reportedFile } from '../support/sessions';
import { startTestServer, type TestServer } from '../support/test-server';

const SIGNING_KEY = Buffer.alloc(32, 7).toString('base64');
const RESUME_TIMEOUT = 120;
const TRANSFER_TIMEOUT = 3600;

describeEachDatabase('resume (interrupted sessions)', (db) => {
  describe('lifecycle', () => {
    let t: TestServer;
    let alice: TestAccount;
    let bob: TestAccount;
    let carol: TestAccount;

    beforeAll(async () => {
      t = await startTestServer({
        dbUrl: db.dbUrl, options: { resumeTimeoutSeconds: RESUME_TIMEOUT, transferTimeoutSeconds: TRANSFER_TIMEOUT },
      });
      [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((name) => registerAndLogin(t.api, name)));
      await t.api.put('/users/me/signing-key', { token: alice.token, body: { publicKey: SIGNING_KEY } });
    });
    afterAll(async () => {
      await t?.close();
    });

    /** A session alice hosts (sending) and bob joined; its id, key and the joined view. */
    async function joinedSession() {
      const created = await createSession(t.api, alice, { invitee: 'bob' });
      const { certPem } = await peerCertificate('joiner');
      const join = await t.api.post(`/sessions/${created.session.id}/join`, { token: bob.token, body: { certificate: certPem } });
      expect(join.status).toBe(200);
      return { id: created.session.id as string, key: created.key, joined: join.body.session, joinerCertPem: certPem };
    }

    const interrupt = (account: TestAccount, id: string, body: Record<string, unknown>) =>
      t.api.post(`/sessions/${id}/interrupt`, { token: account.token, body });
    const reconnected = (account: TestAccount, id: string, attempt: number) =>
      t.api.post(`/sessions/${id}/reconnected`, { token: account.token, body: { attempt } });
    const rejoin = (account: TestAccount, id: string, body: Record<string, unknown>) =>
      t.api.post(`/sessions/${id}/rejoin`, { token: account.token, body });
    const read = async (id: string) => (await t.api.get(`/sessions/${id}`, { token: alice.token })).body;

    it('starts a session at attempt 0, never interrupted, without link bytes', async () => {
      const { joined } = await joinedSession();
      expect(joined).toMatchObject({ state: 'joined', attempt: 0, interruptedAt: null, linkBytes: null });
    });

    describe('interrupt', () => {
      it('makes a joined session interrupted at the next attempt, with the resume timeout as its expiry', async () => {
        const { id } = await joinedSession();
        const res = await interrupt(bob, id, { attempt: 0, reason: 'Connection lost (peer_closed).' });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ state: 'interrupted', attempt: 1, reason: 'Connection lost (peer_closed).', closedAt: null });
        expect(Date.parse(res.body.expiresAt) - Date.parse(res.body.interruptedAt)).toBe(RESUME_TIMEOUT * 1000);
        expect(await read(id)).toEqual(res.body);
        expect((await sessionRow(t.dbUrl, id))?.encrypted_key).not.toBeNull();
      });

      it('counts one drop once when both sides report it at the same moment', async () => {
        for (let round = 0; round < 4; round++) {
          const { id } = await joinedSession();
          const answers = await Promise.all([interrupt(alice, id, { attempt: 0 }), interrupt(bob, id, { attempt: 0 })]);
          expect(answers.map((res) => res.status)).toEqual([200, 200]);
          const now = await read(id);
          expect(now).toMatchObject({ state: 'interrupted', attempt: 1 });
          for (const res of answers) expect(res.body).toMatchObject({ state: 'interrupted', attempt: 1, interruptedAt: now.interruptedAt });
        }
      });

      it('changes nothing for a stale attempt or one that does not exist yet', async () => {
        const { id } = await joinedSession();
        const first = (await interrupt(alice, id, { attempt: 0 })).body;
        const again = await interrupt(bob, id, { attempt: 0, reason: 'late' });
        expect(again.status).toBe(200);
        expect(again.body).toEqual(first);
        await reconnected(alice, id, 1);
        const ahead = await interrupt(alice, id, { attempt: 5 });
        expect(ahead.body).toMatchObject({ state: 'joined', attempt: 1 });
        expect((await interrupt(alice, id, { attempt: 0 })).body).toMatchObject({ state: 'joined', attempt: 1 });
      });

      it('moves an interrupted session on to the next attempt when a reconnect try of its attempt failed, its deadline unchanged', async () => {
        const { id } = await joinedSession();
        const first = (await interrupt(alice, id, { attempt: 0 })).body;
        const [tryFailed, sameTry] = await Promise.all([
          interrupt(bob, id, { attempt: 1, reason: 'relay pair spent' }),
          interrupt(alice, id, { attempt: 1 }),
        ]);
        const now = (await t.api.get(`/sessions/${id}`, { token: alice.token })).body;
        expect(now).toMatchObject({ state: 'interrupted', attempt: 2, interruptedAt: first.interruptedAt, expiresAt: first.expiresAt });
        for (const res of [tryFailed, sameTry]) expect(res.body).toMatchObject({ state: 'interrupted', attempt: 2 });
        expect((await interrupt(alice, id, { attempt: 1 })).body).toMatchObject({ attempt: 2 });
      });

      it('wakes a long-poll waiting on the joined state', async () => {
        const { id } = await joinedSession();
        const waiting = t.api.get(`/sessions/${id}/wait?state=joined&timeout=30`, { token: alice.token });
        await interrupt(bob, id, { attempt: 0 });
        expect((await waiting).body).toMatchObject({ state: 'interrupted', attempt: 1 });
      });

      it('refuses a stranger with session_not_found, a waiting session with session_not_joined, a closed one with session_closed', async () => {
        const { id } = await joinedSession();
        expect((await interrupt(carol, id, { attempt: 0 })).body.code).toBe('session_not_found');
        const waiting = await createSession(t.api, alice);
        expect((await interrupt(alice, waiting.session.id, { attempt: 0 })).body.code).toBe('session_not_joined');
        await t.api.post(`/sessions/${id}/cancel`, { token: alice.token, body: {} });
        const closed = await interrupt(alice, id, { attempt: 0 });
        expect(closed.status).toBe(410);
        expect(closed.body).toMatchObject({ code: 'session_closed', state: 'cancelled' });
      });

      it.each([[{}], [{ attempt: -1 }], [{ attempt: 1.5 }], [{ attempt: 0, reason: 'x'.repeat(501) }], [{ attempt: 0, extra: 1 }]])(
        'refuses the invalid body %j',
        async (body) => {
          const { id } = await joinedSession();
          const res = await interrupt(alice, id, body);
          expect(res.status).toBe(400);
          expect(res.body.code).toBe('validation_failed');
        },
      );
    });

    describe('reconnected', () => {
      it('makes an interrupted session joined again, with the transfer timeout from the join as its expiry', async () => {
        const { id, joined } = await joinedSession();
        await interrupt(alice, id, { attempt: 0, reason: 'gone' });
        const res = await reconnected(bob, id, 1);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ state: 'joined', attempt: 1, expiresAt: joined.expiresAt, reason: null });
        expect(res.body.interruptedAt).not.toBeNull();
        expect(await read(id)).toEqual(res.body);
      });

      it('changes nothing for another attempt, on a joined session, or when both sides say it', async () => {
        const { id } = await joinedSession();
        expect((await reconnected(alice, id, 0)).body).toMatchObject({ state: 'joined', attempt: 0 });
        const interrupted = (await interrupt(alice, id, { attempt: 0 })).body;
        expect((await reconnected(alice, id, 0)).body).toEqual(interrupted);
        const both = await Promise.all([reconnected(alice, id, 1), reconnected(bob, id, 1)]);
        for (const res of both) expect(res.body).toMatchObject({ state: 'joined', attempt: 1 });
      });

      it('refuses a stranger with session_not_found and a closed session with session_closed', async () => {
        const { id } = await joinedSession();
        await interrupt(alice, id, { attempt: 0 });
        expect((await reconnected(carol, id, 1)).body.code).toBe('session_not_found');
        await t.api.post(`/sessions/${id}/cancel`, { token: bob.token, body: {} });
        expect((await reconnected(alice, id, 1)).body).toMatchObject({ code: 'session_closed', state: 'cancelled' });
      });
    });

    describe('rejoin', () => {
      it('gives a restarted host its new certificate, fingerprint and address and the key again; the joined session is interrupted', async () => {
        const { id, key } = await joinedSession();
        const { certPem, fingerprint } = await peerCertificate('host again');
        const res = await rejoin(alice, id, { certificate: certPem, endpoint: { host: '192.0.2.7', port: 5000 }, candidates: [{ host: '198.51.100.1', port: 5000 }] });
        expect(res.status).toBe(200);
        expect(res.body.key).toBe(key);
        expect(res.body.hostSigningKey).toBe(SIGNING_KEY);
        expect(res.body.session).toMatchObject({
          state: 'interrupted', attempt: 1, hostCertificate: certPem, hostFingerprint: fingerprint, endpoint: { host: '192.0.2.7', port: 5000 },
          candidates: [{ host: '192.0.2.7', port: 5000 }, { host: '198.51.100.1', port: 5000 }, { host: '127.0.0.1', port: 5000 }],
        });
        expect(await read(id)).toEqual(res.body.session);
      });

      it('refuses more than 16 candidates or a malformed one (400), and the session is as it was', async () => {
        const { id } = await joinedSession();
        const before = await read(id);
        const { certPem } = await peerCertificate('host again');
        const endpoint = { host: '192.0.2.7', port: 5000 };
        const tooMany = Array.from({ length: 17 }, (_, i) => ({ host: `10.0.0.${i + 1}`, port: 1 }));
        expect((await rejoin(alice, id, { certificate: certPem, endpoint, candidates: tooMany })).status).toBe(400);
        expect((await rejoin(alice, id, { certificate: certPem, endpoint, candidates: [{ host: 'bad host', port: 1 }] })).status).toBe(400);
        expect((await rejoin(alice, id, { certificate: certPem, endpoint, candidates: [{ host: '10.0.0.1', port: 70000 }] })).status).toBe(400);
        expect(await read(id)).toEqual(before);
      });

      it('gives a restarted joiner its new certificate and the key; in an interrupted session the attempt stays', async () => {
        const { id, key } = await joinedSession();
        await interrupt(alice, id, { attempt: 0 });
        const { certPem, fingerprint } = await peerCertificate('joiner again');
        const res = await rejoin(bob, id, { certificate: certPem });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ key, hostSigningKey: SIGNING_KEY });
        expect(res.body.session).toMatchObject({ state: 'interrupted', attempt: 1, joinerCertificate: certPem, joinerFingerprint: fingerprint });
        const row = await sessionRow(t.dbUrl, id);
        expect(row).toMatchObject({ joiner_fingerprint: fingerprint, attempt: 1 });
      });

      it('counts one interruption when a rejoin and an interrupt of the same link come at the same moment', async () => {
        for (let round = 0; round < 4; round++) {
          const { id } = await joinedSession();
          const { certPem, fingerprint } = await peerCertificate('host again');
          const [rejoined, interrupted] = await Promise.all([rejoin(alice, id, { certificate: certPem }), interrupt(bob, id, { attempt: 0 })]);
          expect([rejoined.status, interrupted.status]).toEqual([200, 200]);
          expect(await read(id)).toMatchObject({ state: 'interrupted', attempt: 1, hostFingerprint: fingerprint });
        }
      });

      it('keeps the host\'s address when the rejoin names none', async () => {
        const { id, joined } = await joinedSession();
        const { certPem } = await peerCertificate('host again');
        const res = await rejoin(alice, id, { certificate: certPem });
        expect(res.body.session).toMatchObject({ endpoint: joined.endpoint, candidates: joined.candidates });
      });

      it('refuses an address from the joiner, and a certificate that is not one', async () => {
        const { id } = await joinedSession();
        const { certPem } = await peerCertificate();
        const withAddress = await rejoin(bob, id, { certificate: certPem, endpoint: { host: '127.0.0.1', port: 1 } });
        expect(withAddress.status).toBe(400);
        expect(withAddress.body.message).toMatch(/endpoint/);
        expect((await rejoin(bob, id, { certificate: 'hello' })).body.code).toBe('validation_failed');
        expect(await read(id)).toMatchObject({ state: 'joined', attempt: 0 });
      });

      it('refuses a stranger with session_not_found, a waiting session with session_not_joined, a closed one with session_closed', async () => {
        const { id } = await joinedSession();
        const { certPem } = await peerCertificate();
        expect((await rejoin(carol, id, { certificate: certPem })).body.code).toBe('session_not_found');
        const waiting = await createSession(t.api, alice);
        expect((await rejoin(alice, waiting.session.id, { certificate: certPem })).body.code).toBe('session_not_joined');
        await t.api.post(`/sessions/${id}/cancel`, { token: alice.token, body: {} });
        const closed = await rejoin(bob, id, { certificate: certPem });
        expect(closed.status).toBe(410);
        expect(closed.body).toMatchObject({ code: 'session_closed', state: 'cancelled' });
        expect(closed.text).not.toMatch(/"key"/);
      });
    });

    describe('join again', () => {
      it('lets the recorded joiner with a new certificate rejoin (rerunning `sft join ID`)', async () => {
        const { id, key } = await joinedSession();
        const { certPem, fingerprint } = await peerCertificate('joiner restarted');
        const res = await t.api.post(`/sessions/${id}/join`, { token: bob.token, body: { certificate: certPem } });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ key, hostSigningKey: SIGNING_KEY });
        expect(res.body.session).toMatchObject({ state: 'interrupted', attempt: 1, joinerFingerprint: fingerprint });
      });

      it('answers the same joiner with the same certificate as before, without an interruption', async () => {
        const { id, key, joinerCertPem } = await joinedSession();
        const res = await t.api.post(`/sessions/${id}/join`, { token: bob.token, body: { certificate: joinerCertPem } });
        expect(res.body).toMatchObject({ key, session: { state: 'joined', attempt: 0 } });
      });

      it('still refuses anyone else', async () => {
        const created = await createSession(t.api, alice);
        const { certPem } = await peerCertificate();
        await t.api.post(`/sessions/${created.session.id}/join`, { token: bob.token, body: { certificate: certPem } });
        await interrupt(alice, created.session.id, { attempt: 0 });
        const res = await t.api.post(`/sessions/${created.session.id}/join`, { token: carol.token, body: { certificate: (await peerCertificate()).certPem } });
        expect(res.status).toBe(409);
        expect(res.body.code).toBe('session_already_joined');
      });
    });

    describe('reports and cancel while interrupted', () => {
      const files = [reportedFile('a.txt', 'hello')];
      const report = (role: string, extra: Record<string, unknown> = {}) => ({ role, bytes: 5, files, verified: true, ...extra });

      it('closes an interrupted session when both reports agree, and erases the key', async () => {
        const { id } = await joinedSession();
        await interrupt(alice, id, { attempt: 0 });
        expect((await t.api.post(`/sessions/${id}/report`, { token: alice.token, body: report('sender') })).body.state).toBe('interrupted');
        const res = await t.api.post(`/sessions/${id}/report`, { token: bob.token, body: report('receiver') });
        expect(res.body).toMatchObject({ state: 'completed', bytes: 5, reason: null });
        expect((await sessionRow(t.dbUrl, id))?.encrypted_key).toBeNull();
      });

      it('shows which sides reported: an open session whose receiver reported is one whose receiver verified', async () => {
        const { id, joined } = await joinedSession();
        expect(joined.reported).toEqual({ sender: false, receiver: false });
        const received = await t.api.post(`/sessions/${id}/report`, { token: bob.token, body: report('receiver') });
        expect(received.body).toMatchObject({ state: 'joined', reported: { sender: false, receiver: true } });
        // The sender lost its link after its last frame: its interrupt keeps the receiver's report.
        expect((await interrupt(alice, id, { attempt: 0 })).body).toMatchObject({ state: 'interrupted', reported: { sender: false, receiver: true } });
        expect(await read(id)).toMatchObject({ reported: { sender: false, receiver: true } });
        const sent = await t.api.post(`/sessions/${id}/report`, { token: alice.token, body: report('sender') });
        expect(sent.body).toMatchObject({ state: 'completed', reported: { sender: true, receiver: true } });
      });

      it('closes an interrupted session failed when a side reports it could not finish', async () => {
        const { id } = await joinedSession();
        await interrupt(alice, id, { attempt: 0 });
        const res = await t.api.post(`/sessions/${id}/report`, { token: bob.token, body: report('receiver', { verified: false, reason: 'gave up' }) });
        expect(res.body).toMatchObject({ state: 'failed', reason: 'gave up' });
      });

      it('lets either side cancel an interrupted session', async () => {
        const { id } = await joinedSession();
        await interrupt(alice, id, { attempt: 0 });
        expect((await t.api.post(`/sessions/${id}/cancel`, { token: bob.token, body: {} })).body.state).toBe('cancelled');
        expect((await sessionRow(t.dbUrl, id))?.encrypted_key).toBeNull();
      });
    });

    describe('link bytes', () => {
      const files = [reportedFile('a.txt', 'hello')];
      const report = (role: string, linkBytes?: number) => ({ role, bytes: 5, files, verified: true, ...(linkBytes === undefined ? {} : { linkBytes }) });

      it("shows the sender's link bytes until the receiver's arrive, then the receiver's; the outcome still compares the file bytes", async () => {
        const { id } = await joinedSession();
        expect((await t.api.post(`/sessions/${id}/report`, { token: alice.token, body: report('sender', 3) })).body.linkBytes).toBe(3);
        const res = await t.api.post(`/sessions/${id}/report`, { token: bob.token, body: report('receiver', 2) });
        expect(res.body).toMatchObject({ state: 'completed', bytes: 5, linkBytes: 2 });
        expect(await read(id)).toMatchObject({ linkBytes: 2 });
        expect(Number((await sessionRow(t.dbUrl, id))?.link_bytes)).toBe(2);
      });

      it("keeps the receiver's link bytes when the sender reports after it, and null when nobody names them", async () => {
        const { id } = await joinedSession();
        await t.api.post(`/sessions/${id}/report`, { token: bob.token, body: report('receiver', 4) });
        expect((await t.api.post(`/sessions/${id}/report`, { token: alice.token, body: report('sender', 5) })).body.linkBytes).toBe(4);
        const other = await joinedSession();
        await t.api.post(`/sessions/${other.id}/report`, { token: alice.token, body: report('sender') });
        expect((await t.api.post(`/sessions/${other.id}/report`, { token: bob.token, body: report('receiver') })).body.linkBytes).toBeNull();
      });

      it('refuses negative or fractional link bytes', async () => {
        const { id } = await joinedSession();
        for (const linkBytes of [-1, 0.5]) {
          expect((await t.api.post(`/sessions/${id}/report`, { token: alice.token, body: report('sender', linkBytes) })).status).toBe(400);
        }
      });
    });
  });

  describe('resume timeout', () => {
    let t: TestServer;
    let alice: TestAccount;
    let bob: TestAccount;

    beforeAll(async () => {
      t = await startTestServer({ dbUrl: db.dbUrl, options: { resumeTimeoutSeconds: 1, sweepIntervalSeconds: 0.1 } });
      [alice, bob] = await Promise.all([registerAndLogin(t.api, 'alice'), registerAndLogin(t.api, 'bob')]);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('closes an interrupted session that did not resume as failed by the sweep (without any read) and erases its key', async () => {
      const created = await createSession(t.api, alice, { invitee: 'bob' });
      const { certPem } = await peerCertificate('joiner');
      await t.api.post(`/sessions/${created.session.id}/join`, { token: bob.token, body: { certificate: certPem } });
      expect((await t.api.post(`/sessions/${created.session.id}/interrupt`, { token: alice.token, body: { attempt: 0 } })).body.state).toBe('interrupted');
      let row = await sessionRow(t.dbUrl, created.session.id);
      for (let i = 0; i < 100 && row?.state === 'interrupted'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        row = await sessionRow(t.dbUrl, created.session.id);
      }
      expect(row).toMatchObject({ state: 'failed', encrypted_key: null, reason: 'The transfer was interrupted and did not resume within 1 s.' });
      const res = await t.api.post(`/sessions/${created.session.id}/reconnected`, { token: bob.token, body: { attempt: 1 } });
      expect(res.body).toMatchObject({ code: 'session_closed', state: 'failed' });
    });
  });
});
