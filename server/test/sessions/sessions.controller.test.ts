import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCa } from '../../../certs/src/x509';
import { SessionsController } from '../../src/sessions/sessions.controller';
import { registerAndLogin, type TestAccount } from '../support/accounts';
import { describeEachDatabase } from '../support/databases';
import { sessionRow } from '../support/db-rows';
import { createSession, peerCertificate, reportedFile } from '../support/sessions';
import { startTestServer, type TestServer } from '../support/test-server';

const ID_FORMAT = /^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$/;
const SIGNING_KEY = Buffer.alloc(32, 7).toString('base64');

describeEachDatabase(SessionsController.name, (db) => {
  describe('lifecycle', () => {
    let t: TestServer;
    let alice: TestAccount;
    let bob: TestAccount;
    let carol: TestAccount;

    beforeAll(async () => {
      t = await startTestServer({ dbUrl: db.dbUrl });
      [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((name) => registerAndLogin(t.api, name)));
      await t.api.put('/users/me/signing-key', { token: alice.token, body: { publicKey: SIGNING_KEY } });
    });
    afterAll(async () => {
      await t?.close();
    });

    /** Creates a session as alice and joins it as bob. */
    async function joinedSession(direction = 'host-sends') {
      const created = await createSession(t.api, alice, { direction, invitee: 'bob' });
      const { certPem } = await peerCertificate('joiner');
      const join = await t.api.post(`/sessions/${created.session.id}/join`, { token: bob.token, body: { certificate: certPem } });
      expect(join.status).toBe(200);
      return created.session.id as string;
    }

    describe('create', () => {
      it('answers a waiting session, a 32-byte key and the fingerprint the server computed', async () => {
        const { certPem, fingerprint } = await peerCertificate('host');
        const res = await t.api.post('/sessions', {
          token: alice.token,
          body: { direction: 'host-sends', endpoint: { host: '127.0.0.1', port: 40123 }, certificate: certPem, files: [{ name: 'a.txt', size: 3 }] },
        });
        expect(res.status).toBe(201);
        expect(res.body.session).toMatchObject({
          state: 'waiting', direction: 'host-sends', host: 'alice', joiner: null, invitee: null,
          endpoint: { host: '127.0.0.1', port: 40123 }, hostFingerprint: fingerprint, files: [{ name: 'a.txt', size: 3 }],
          bytes: 0, reason: null, closedAt: null,
        });
        expect(res.body.session.id).toMatch(ID_FORMAT);
        expect(Buffer.from(res.body.key, 'base64')).toHaveLength(32);
      });

      it('stores the key encrypted, never in plain', async () => {
        const created = await createSession(t.api, alice);
        const row = await sessionRow(t.dbUrl, created.session.id);
        const stored = String(row?.encrypted_key);
        expect(stored).not.toContain(created.key);
        expect(Buffer.from(stored, 'base64').includes(Buffer.from(created.key, 'base64'))).toBe(false);
      });

      it('makes a different key and id for every session', async () => {
        const [a, b] = [await createSession(t.api, alice), await createSession(t.api, alice)];
        expect(a.key).not.toBe(b.key);
        expect(a.session.id).not.toBe(b.session.id);
      });

      it.each([
        ['not a certificate', 'hello'],
        ['a private key', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'],
        ['a broken certificate', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'],
        ['more than 4 KiB', `-----BEGIN CERTIFICATE-----\n${'A'.repeat(4200)}\n-----END CERTIFICATE-----\n`],
      ])('refuses %s as certificate', async (_what, certificate) => {
        const res = await t.api.post('/sessions', {
          token: alice.token,
          body: { direction: 'host-sends', endpoint: { host: '127.0.0.1', port: 40123 }, certificate },
        });
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('validation_failed');
        expect(res.body.message).toMatch(/certificate/);
      });

      it('refuses two certificates in one field', async () => {
        const [a, b] = [await peerCertificate(), await makeCa('x')];
        const res = await t.api.post('/sessions', {
          token: alice.token,
          body: { direction: 'host-sends', endpoint: { host: '127.0.0.1', port: 1 }, certificate: a.certPem + b.certPem },
        });
        expect(res.status).toBe(400);
      });

      it.each([
        [{ direction: 'sideways' }, /direction/],
        [{ endpoint: { host: '127.0.0.1', port: 70000 } }, /port/],
        [{ endpoint: { host: 'a b', port: 1 } }, /endpoint.host/],
        [{ endpoint: { host: '127.0.0.1', port: 1, extra: 1 } }, /extra/],
        [{ key: 'mine' }, /key/],
        [{ files: [{ name: 'a', size: -1 }] }, /size/],
      ])('refuses the invalid field %j', async (override, message) => {
        const { certPem } = await peerCertificate();
        const res = await t.api.post('/sessions', {
          token: alice.token,
          body: { direction: 'host-sends', endpoint: { host: '127.0.0.1', port: 40123 }, certificate: certPem, ...override },
        });
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('validation_failed');
        expect(res.body.message).toMatch(message);
      });

      it('refuses an invitee that does not exist', async () => {
        const { certPem } = await peerCertificate();
        const res = await t.api.post('/sessions', {
          token: alice.token,
          body: { direction: 'host-sends', endpoint: { host: '127.0.0.1', port: 1 }, certificate: certPem, invitee: 'zed' },
        });
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('user_not_found');
      });

      it('needs a token', async () => {
        expect((await t.api.post('/sessions', { body: {} })).status).toBe(401);
      });

      it('takes the host\'s --relay: auto by default, only without an endpoint (shown as null), never', async () => {
        const { certPem } = await peerCertificate();
        const create = (body: Record<string, unknown>) => t.api.post('/sessions', { token: alice.token, body: { direction: 'host-sends', certificate: certPem, ...body } });
        const auto = await create({ endpoint: { host: '127.0.0.1', port: 40123 } });
        expect(auto.body.session).toMatchObject({ relay: 'auto', path: null, endpoint: { host: '127.0.0.1', port: 40123 } });
        const only = await create({ relay: 'only' });
        expect(only.status).toBe(201);
        expect(only.body.session).toMatchObject({ relay: 'only', endpoint: null, candidates: [] });
        expect((await t.api.get(`/sessions/${only.body.session.id}`, { token: alice.token })).body.endpoint).toBeNull();
        const never = await create({ relay: 'never', endpoint: { host: '127.0.0.1', port: 1 } });
        expect(never.body.session).toMatchObject({ relay: 'never' });
      });

      it('lists the candidates: the endpoint, the host\'s other addresses, and the address the request came from', async () => {
        const { certPem } = await peerCertificate();
        const res = await t.api.post('/sessions', {
          token: alice.token,
          body: {
            direction: 'host-sends', certificate: certPem, endpoint: { host: '192.0.2.10', port: 4000 },
            candidates: [{ host: '198.51.100.7', port: 4000 }, { host: '192.0.2.10', port: 4000 }],
          },
        });
        expect(res.status).toBe(201);
        expect(res.body.session.candidates).toEqual([
          { host: '192.0.2.10', port: 4000 }, { host: '198.51.100.7', port: 4000 }, { host: '127.0.0.1', port: 4000 },
        ]);
        const tooMany = Array.from({ length: 17 }, (_, i) => ({ host: `10.0.0.${i + 1}`, port: 1 }));
        const refused = await t.api.post('/sessions', {
          token: alice.token, body: { direction: 'host-sends', certificate: certPem, endpoint: { host: '10.0.0.1', port: 1 }, candidates: tooMany },
        });
        expect(refused.status).toBe(400);
      });

      it.each([
        [{ relay: 'auto' }, /endpoint/],
        [{ relay: 'never' }, /endpoint/],
        [{ relay: 'sometimes', endpoint: { host: '127.0.0.1', port: 1 } }, /relay must be auto, never or only/],
      ])('refuses %j', async (body, message) => {
        const { certPem } = await peerCertificate();
        const res = await t.api.post('/sessions', { token: alice.token, body: { direction: 'host-sends', certificate: certPem, ...body } });
        expect(res.status).toBe(400);
        expect(res.body.message).toMatch(message);
      });
    });

    describe('read', () => {
      it('shows the session to its host, also by an id in upper case without dashes', async () => {
        const { session } = await createSession(t.api, alice);
        const res = await t.api.get(`/sessions/${session.id.replace(/-/g, '').toUpperCase()}`, { token: alice.token });
        expect(res.status).toBe(200);
        expect(res.body).toEqual(session);
      });

      it('answers session_not_found to someone who is not a participant', async () => {
        const { session } = await createSession(t.api, alice);
        const res = await t.api.get(`/sessions/${session.id}`, { token: carol.token });
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('session_not_found');
      });

      it('answers session_not_found for an id that cannot exist', async () => {
        const res = await t.api.get(`/sessions/${encodeURIComponent("1' OR '1'='1")}`, { token: alice.token });
        expect(res.status).toBe(404);
      });

      it('lists only my sessions, newest first', async () => {
        const first = await createSession(t.api, alice);
        const second = await createSession(t.api, alice);
        const mine = await t.api.get('/sessions', { token: alice.token });
        const ids = mine.body.map((s: { id: string }) => s.id);
        expect(ids.indexOf(second.session.id)).toBeLessThan(ids.indexOf(first.session.id));
        const theirs = await t.api.get('/sessions', { token: carol.token });
        expect(theirs.body.map((s: { id: string }) => s.id)).not.toContain(first.session.id);
      });
    });

    describe('join', () => {
      it('gives the joiner the same key, the host signing key and its own computed fingerprint', async () => {
        const created = await createSession(t.api, alice, { invitee: 'bob' });
        const { certPem, fingerprint } = await peerCertificate('joiner');
        const res = await t.api.post(`/sessions/${created.session.id}/join`, { token: bob.token, body: { certificate: certPem } });
        expect(res.status).toBe(200);
        expect(res.body.key).toBe(created.key);
        expect(res.body.hostSigningKey).toBe(SIGNING_KEY);
        expect(res.body.session).toMatchObject({ state: 'joined', joiner: 'bob', joinerFingerprint: fingerprint });
      });

      it('refuses the host joining its own session', async () => {
        const { session } = await createSession(t.api, alice);
        const { certPem } = await peerCertificate();
        const res = await t.api.post(`/sessions/${session.id}/join`, { token: alice.token, body: { certificate: certPem } });
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('own_session');
      });

      it('refuses a user who was not invited', async () => {
        const { session } = await createSession(t.api, alice, { invitee: 'bob' });
        const { certPem } = await peerCertificate();
        const res = await t.api.post(`/sessions/${session.id}/join`, { token: carol.token, body: { certificate: certPem } });
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('not_invited');
      });

      it('refuses a second joiner', async () => {
        const { session } = await createSession(t.api, alice);
        const { certPem } = await peerCertificate();
        expect((await t.api.post(`/sessions/${session.id}/join`, { token: bob.token, body: { certificate: certPem } })).status).toBe(200);
        const res = await t.api.post(`/sessions/${session.id}/join`, { token: carol.token, body: { certificate: certPem } });
        expect(res.status).toBe(409);
        expect(res.body.code).toBe('session_already_joined');
      });

      it('lets only one of two simultaneous joiners in', async () => {
        const { session } = await createSession(t.api, alice);
        const { certPem } = await peerCertificate();
        const results = await Promise.all(
          [bob, carol].map((user) => t.api.post(`/sessions/${session.id}/join`, { token: user.token, body: { certificate: certPem } })),
        );
        expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      });

      it('answers the same to the same joiner asking again with the same certificate', async () => {
        const created = await createSession(t.api, alice);
        const { certPem } = await peerCertificate();
        await t.api.post(`/sessions/${created.session.id}/join`, { token: bob.token, body: { certificate: certPem } });
        const again = await t.api.post(`/sessions/${created.session.id}/join`, { token: bob.token, body: { certificate: certPem } });
        expect(again.status).toBe(200);
        expect(again.body.key).toBe(created.key);
      });

      it('answers session_not_found for an unknown id', async () => {
        const { certPem } = await peerCertificate();
        const res = await t.api.post('/sessions/0000-0000-0000-0000/join', { token: bob.token, body: { certificate: certPem } });
        expect(res.status).toBe(404);
      });
    });

    describe('wait', () => {
      it('answers as soon as the state changes', async () => {
        const { session } = await createSession(t.api, alice);
        const waiting = t.api.get(`/sessions/${session.id}/wait?state=waiting&timeout=30`, { token: alice.token });
        const { certPem } = await peerCertificate();
        await t.api.post(`/sessions/${session.id}/join`, { token: bob.token, body: { certificate: certPem } });
        const res = await waiting;
        expect(res.status).toBe(200);
        expect(res.body.state).toBe('joined');
      });

      it('answers the unchanged session when the timeout passes', async () => {
        const { session } = await createSession(t.api, alice);
        const res = await t.api.get(`/sessions/${session.id}/wait?state=waiting&timeout=1`, { token: alice.token });
        expect(res.status).toBe(200);
        expect(res.body.state).toBe('waiting');
      });

      it.each(['timeout=0', 'timeout=61', 'state=bogus', 'state=waiting&extra=1'])('refuses the query %s', async (query) => {
        const { session } = await createSession(t.api, alice);
        const q = query.startsWith('state') ? query : `state=waiting&${query}`;
        const res = await t.api.get(`/sessions/${session.id}/wait?${q}`, { token: alice.token });
        expect(res.status).toBe(400);
      });

      it('answers session_not_found to a non-participant', async () => {
        const { session } = await createSession(t.api, alice);
        const res = await t.api.get(`/sessions/${session.id}/wait?state=waiting&timeout=1`, { token: carol.token });
        expect(res.status).toBe(404);
      });
    });

    describe('report', () => {
      const files = [reportedFile('a.txt', 'hello'), reportedFile('b.bin', 'world!')];
      const report = (role: string, overrides: Record<string, unknown> = {}) => ({ role, bytes: 11, files, verified: true, ...overrides });

      it('completes the session when the receiver verified and both file lists match, and erases the key', async () => {
        const id = await joinedSession();
        const sent = await t.api.post(`/sessions/${id}/report`, { token: alice.token, body: report('sender') });
        expect(sent.body.state).toBe('joined');
        expect((await sessionRow(t.dbUrl, id))?.encrypted_key).not.toBeNull();
        const received = await t.api.post(`/sessions/${id}/report`, { token: bob.token, body: report('receiver') });
        expect(received.status).toBe(200);
        expect(received.body).toMatchObject({ state: 'completed', bytes: 11, reason: null });
        expect(received.body.closedAt).not.toBeNull();
        expect((await sessionRow(t.dbUrl, id))?.encrypted_key).toBeNull();
      });

      it('completes the session when both reports arrive at the same moment, and both answers agree with the row', async () => {
        for (let round = 0; round < 4; round++) {
          const id = await joinedSession();
          const [sent, received] = await Promise.all([
            t.api.post(`/sessions/${id}/report`, { token: alice.token, body: report('sender') }),
            t.api.post(`/sessions/${id}/report`, { token: bob.token, body: report('receiver') }),
          ]);
          expect([sent.status, received.status]).toEqual([200, 200]);
          // At least the request that stored the second report sees both and closes the session.
          expect([sent.body.state, received.body.state]).toContain('completed');
          const now = await t.api.get(`/sessions/${id}`, { token: alice.token });
          expect(now.body).toMatchObject({ state: 'completed', bytes: 11, reason: null });
          for (const answer of [sent.body, received.body].filter((body) => body.state === 'completed')) {
            expect(answer.closedAt).toBe(now.body.closedAt);
          }
          expect((await sessionRow(t.dbUrl, id))?.encrypted_key).toBeNull();
        }
      });

      it('records the path the first report names, and refuses a path that is not direct or relay', async () => {
        const id = await joinedSession();
        const bad = await t.api.post(`/sessions/${id}/report`, { token: alice.token, body: report('sender', { path: 'carrier-pigeon' }) });
        expect(bad.status).toBe(400);
        expect((await t.api.post(`/sessions/${id}/report`, { token: alice.token, body: report('sender', { path: 'relay' }) })).body.path).toBe('relay');
        const received = await t.api.post(`/sessions/${id}/report`, { token: bob.token, body: report('receiver', { path: 'direct' }) });
        expect(received.body).toMatchObject({ state: 'completed', path: 'relay' });
        expect((await sessionRow(t.dbUrl, id))?.path).toBe('relay');
      });

      it('works for host-receives with the roles swapped', async () => {
        const id = await joinedSession('host-receives');
        await t.api.post(`/sessions/${id}/report`, { token: bob.token, body: report('sender') });
        const res = await t.api.post(`/sessions/${id}/report`, { token: alice.token, body: report('receiver') });
        expect(res.body.state).toBe('completed');
      });

      it('completes a session that lists 1,000 files with long names (bodies over 64 KiB on session routes)', async () => {
        const many = Array.from({ length: 1000 }, (_, i) => reportedFile(`${'deep/'.repeat(40)}file-${i}.bin`, `content ${i}`));
        const bytes = many.reduce((sum, f) => sum + f.size, 0);
        const created = await createSession(t.api, alice, { invitee: 'bob', files: many.map(({ name, size }) => ({ name, size })) });
        const { certPem } = await peerCertificate('joiner');
        await t.api.post(`/sessions/${created.session.id}/join`, { token: bob.token, body: { certificate: certPem } });
        const body = (role: string) => ({ role, bytes, files: many, verified: true });
        expect(JSON.stringify(body('sender')).length).toBeGreaterThan(64 * 1024);
        await t.api.post(`/sessions/${created.session.id}/report`, { token: alice.token, body: body('sender') });
        const res = await t.api.post(`/sessions/${created.session.id}/report`, { token: bob.token, body: body('receiver') });
        expect(res.status).toBe(200);
        expect(res.body.state).toBe('completed');
        expect(res.body.files).toHaveLength(1000);
      });

      it('refuses a report body over the session limit with payload_too_large', async () => {
        const id = await joinedSession();
        const raw = JSON.stringify(report('sender', { reason: 'x'.repeat(3 * 1024 * 1024) }));
        const res = await t.api.post(`/sessions/${id}/report`, { token: alice.token, raw });
        expect(res.status).toBe(413);
        expect(res.body.code).toBe('payload_too_large');
      });

      it('fails the session when the digests disagree, saying why', async () => {
        const id = await joinedSession();
        await t.api.post(`/sessions/${id}/report`, { token: alice.token, body: report('sender') });
        const tampered = [files[0], { ...files[1], sha256: 'f'.repeat(64) }];
        const res = await t.api.post(`/sessions/${id}/report`, { token: bob.token, body: report('receiver', { files: tampered }) });
        expect(res.body.state).toBe('failed');
        expect(res.body.reason).toMatch(/File 2.*sha256/);
        expect((await sessionRow(t.dbUrl, id))?.encrypted_key).toBeNull();
      });

      it('fails the session when the file lists differ in length', async () => {
        const id = await joinedSession();
        await t.api.post(`/sessions/${id}/report`, { token: alice.token, body: report('sender') });
        const res = await t.api.post(`/sessions/${id}/report`, { token: bob.token, body: report('receiver', { files: [files[0]] }) });
        expect(res.body.state).toBe('failed');
      });

      it('fails the session at once when the receiver reports not verified', async () => {
        const id = await joinedSession();
        const res = await t.api.post(`/sessions/${id}/report`, {
          token: bob.token,
          body: report('receiver', { verified: false, reason: 'signature check failed' }),
        });
        expect(res.body).toMatchObject({ state: 'failed', reason: 'signature check failed' });
      });

      it('refuses a role that is not the caller’s', async () => {
        const id = await joinedSession();
        const res = await t.api.post(`/sessions/${id}/report`, { token: alice.token, body: report('receiver') });
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('wrong_role');
      });

      it('refuses a second report from the same participant', async () => {
        const id = await joinedSession();
        await t.api.post(`/sessions/${id}/report`, { token: alice.token, body: report('sender') });
        const res = await t.api.post(`/sessions/${id}/report`, { token: alice.token, body: report('sender') });
        expect(res.status).toBe(409);
        expect(res.body.code).toBe('report_duplicate');
      });

      it('refuses a report before anyone joined', async () => {
        const { session } = await createSession(t.api, alice);
        const res = await t.api.post(`/sessions/${session.id}/report`, { token: alice.token, body: report('sender') });
        expect(res.status).toBe(409);
        expect(res.body.code).toBe('session_not_joined');
      });

      it('refuses a report on a closed session with session_closed and its state', async () => {
        const id = await joinedSession();
        await t.api.post(`/sessions/${id}/report`, { token: alice.token, body: report('sender') });
        await t.api.post(`/sessions/${id}/report`, { token: bob.token, body: report('receiver') });
        const res = await t.api.post(`/sessions/${id}/report`, { token: alice.token, body: report('sender') });
        expect(res.status).toBe(410);
        expect(res.body).toMatchObject({ code: 'session_closed', state: 'completed' });
      });

      it('refuses a report from a non-participant with session_not_found', async () => {
        const id = await joinedSession();
        const res = await t.api.post(`/sessions/${id}/report`, { token: carol.token, body: report('sender') });
        expect(res.status).toBe(404);
      });

      it.each([
        [{ files: [{ ...files[0], crc32: 'XYZ' }] }, /crc32/],
        [{ files: [{ ...files[0], sha256: 'abc' }] }, /sha256/],
        [{ role: 'spectator' }, /role/],
        [{ verified: 'yes' }, /verified/],
        [{ bytes: -1 }, /bytes/],
      ])('refuses the invalid report %j', async (override, message) => {
        const id = await joinedSession();
        const res = await t.api.post(`/sessions/${id}/report`, { token: alice.token, body: report('sender', override) });
        expect(res.status).toBe(400);
        expect(res.body.message).toMatch(message);
      });
    });

    describe('cancel', () => {
      it('cancels an open session, erases the key and then refuses joining with session_closed', async () => {
        const { session } = await createSession(t.api, alice);
        const res = await t.api.post(`/sessions/${session.id}/cancel`, { token: alice.token, body: { reason: 'changed my mind' } });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ state: 'cancelled', reason: 'changed my mind' });
        expect((await sessionRow(t.dbUrl, session.id))?.encrypted_key).toBeNull();
        const { certPem } = await peerCertificate();
        const join = await t.api.post(`/sessions/${session.id}/join`, { token: bob.token, body: { certificate: certPem } });
        expect(join.status).toBe(410);
        expect(join.body).toMatchObject({ code: 'session_closed', state: 'cancelled' });
      });

      it('lets the joiner cancel too', async () => {
        const id = await joinedSession();
        const res = await t.api.post(`/sessions/${id}/cancel`, { token: bob.token, body: {} });
        expect(res.body.state).toBe('cancelled');
      });

      it('refuses cancelling twice', async () => {
        const { session } = await createSession(t.api, alice);
        await t.api.post(`/sessions/${session.id}/cancel`, { token: alice.token, body: {} });
        const res = await t.api.post(`/sessions/${session.id}/cancel`, { token: alice.token, body: {} });
        expect(res.status).toBe(410);
      });

      it('answers session_not_found to a non-participant', async () => {
        const { session } = await createSession(t.api, alice);
        const res = await t.api.post(`/sessions/${session.id}/cancel`, { token: carol.token, body: {} });
        expect(res.status).toBe(404);
        expect((await t.api.get(`/sessions/${session.id}`, { token: alice.token })).body.state).toBe('waiting');
      });
    });
  });

  describe('expiry', () => {
    let t: TestServer;
    let alice: TestAccount;
    let bob: TestAccount;

    beforeAll(async () => {
      t = await startTestServer({ dbUrl: db.dbUrl, options: { sessionTtlSeconds: 1, sweepIntervalSeconds: 0.1 } });
      [alice, bob] = await Promise.all([registerAndLogin(t.api, 'alice'), registerAndLogin(t.api, 'bob')]);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('expires an unjoined session by the periodic sweep (without any read) and erases its key', async () => {
      const { session } = await createSession(t.api, alice);
      let row = await sessionRow(t.dbUrl, session.id);
      for (let i = 0; i < 100 && row?.state === 'waiting'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        row = await sessionRow(t.dbUrl, session.id);
      }
      expect(row).toMatchObject({ state: 'expired', encrypted_key: null });
    });

    it('refuses to join an expired session with session_closed', async () => {
      const { session } = await createSession(t.api, alice);
      const waited = await t.api.get(`/sessions/${session.id}/wait?state=waiting&timeout=10`, { token: alice.token });
      expect(waited.body.state).toBe('expired');
      const { certPem } = await peerCertificate();
      const res = await t.api.post(`/sessions/${session.id}/join`, { token: bob.token, body: { certificate: certPem } });
      expect(res.status).toBe(410);
      expect(res.body).toMatchObject({ code: 'session_closed', state: 'expired' });
    });
  });
});
