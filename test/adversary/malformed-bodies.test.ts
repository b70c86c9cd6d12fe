/**
 * A hostile client sends wrong JSON types and megabyte strings that fit under the body limits (2 MiB
 * on session routes). What server/test already covers (unknown fields, non-JSON, bodies over the
 * limit, SQL-looking and bad usernames, invalid certificates) is not repeated. Every answer must be a
 * 400 validation_failed (never a 500 from the database or a crash), and nothing may be stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAndLogin, type TestAccount } from '../../server/test/support/accounts';
import { describeEachDatabase } from '../../server/test/support/databases';
import { createSession, peerCertificate, reportedFile } from '../../server/test/support/sessions';
import { startTestServer, type TestServer } from '../../server/test/support/test-server';

const MEGA = 'm'.repeat(1536 * 1024); // 1.5 MiB: under the 2 MiB session body limit, over every field's limit

describeEachDatabase('malformed and oversized fields against the real server', (db) => {
  let t: TestServer;
  let alice: TestAccount;
  let bob: TestAccount;
  let certPem: string;

  beforeAll(async () => {
    t = await startTestServer({ dbUrl: db.dbUrl, options: { loginLimit: 1000, loginAddressLimit: 1000 } });
    [alice, bob] = await Promise.all([registerAndLogin(t.api, 'alice'), registerAndLogin(t.api, 'bob')]);
    certPem = (await peerCertificate('host')).certPem;
  });
  afterAll(async () => {
    await t?.close();
  });

  function expectRefused(res: { status: number; body: { code?: string } }) {
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
  }

  describe('wrong JSON types on login and register', () => {
    it.each([
      ['a number as username', { username: 12345678, password: 'password123' }],
      ['an array as username', { username: ['alice'], password: 'password123' }],
      ['an object as password', { username: 'alice', password: { $ne: null } }],
      ['null as password', { username: 'alice', password: null }],
      ['a boolean as password', { username: 'alice', password: true }],
    ])('refuses %s', async (_what, body) => {
      expectRefused(await t.api.post('/auth/login', { body }));
      expectRefused(await t.api.post('/auth/register', { body }));
    });

    it.each([['an array', '[]'], ['a string', '"alice"'], ['null', 'null'], ['a number', '42']])('refuses %s as the whole body', async (_what, raw) => {
      expectRefused(await t.api.post('/auth/login', { raw }));
    });
  });

  describe('wrong JSON types on session routes', () => {
    it.each([
      ['files as a string', { files: 'a.txt' }],
      ['a file size as a string', { files: [{ name: 'a', size: '5' }] }],
      ['a fractional file size', { files: [{ name: 'a', size: 1.5 }] }],
      ['an endpoint port as a string', { endpoint: { host: '127.0.0.1', port: '40123' } }],
      ['the certificate as an object', { certificate: { pem: 'x' } }],
      ['invitee as an array', { invitee: ['bob'] }],
    ])('refuses a session with %s', async (_what, override) => {
      const body = { direction: 'host-sends', endpoint: { host: '127.0.0.1', port: 40123 }, certificate: certPem, ...override };
      expectRefused(await t.api.post('/sessions', { token: alice.token, body }));
    });

    it.each([
      ['verified as the string "true"', { verified: 'true' }],
      ['bytes as a string', { bytes: '5' }],
      ['files as an object', { files: { 0: reportedFile('a.txt', 'a') } }],
      ['a digest as a number', { files: [{ ...reportedFile('a.txt', 'a'), crc32: 12345678 }] }],
    ])('refuses a report with %s and leaves the session joined', async (_what, override) => {
      const id = await joined();
      const file = reportedFile('a.txt', 'a');
      const body = { role: 'sender', bytes: 1, files: [file], verified: true, ...override };
      expectRefused(await t.api.post(`/sessions/${id}/report`, { token: alice.token, body }));
      expect((await t.api.get(`/sessions/${id}`, { token: alice.token })).body.state).toBe('joined');
    });
  });

  describe('megabyte strings under the body limit', () => {
    it('refuses a 1.5 MiB file name in a new session and stores no session', async () => {
      const before = (await t.api.get('/sessions', { token: alice.token })).body.length as number;
      const res = await t.api.post('/sessions', {
        token: alice.token,
        body: { direction: 'host-sends', endpoint: { host: '127.0.0.1', port: 40123 }, certificate: certPem, files: [{ name: MEGA, size: 1 }] },
      });
      expectRefused(res);
      expect(res.text.length).toBeLessThan(4096); // the answer does not echo the megabyte back
      expect((await t.api.get('/sessions', { token: alice.token })).body).toHaveLength(before);
    });

    it('refuses a 1.5 MiB reason in a report and a 1.5 MiB file name in a report', async () => {
      const id = await joined();
      const file = reportedFile('a.txt', 'a');
      expectRefused(await t.api.post(`/sessions/${id}/report`, { token: alice.token, body: { role: 'sender', bytes: 1, files: [file], verified: false, reason: MEGA } }));
      expectRefused(await t.api.post(`/sessions/${id}/report`, { token: alice.token, body: { role: 'sender', bytes: 1, files: [{ ...file, name: MEGA }], verified: true } }));
      expect((await t.api.get(`/sessions/${id}`, { token: alice.token })).body.state).toBe('joined');
    });

    it('answers a 64 KiB session id in the path without a server error (the HTTP parser refuses it)', async () => {
      const res = await t.api.get(`/sessions/${'a'.repeat(64 * 1024)}`, { token: alice.token });
      expect(res.status).toBeLessThan(500);
    });
  });

  describe('bodies nested too deep (issue 11 item 8)', () => {
    /** `{"username":{"username":...}}` or `[[[...]]]` nested `depth` levels: a few KB that exhaust a recursive walker. */
    const deepObject = (depth: number, key: string) => `${`{"${key}":`.repeat(depth)}1${'}'.repeat(depth)}`;
    const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

    it('answers 400 to an unauthenticated 3,000-level login body, and the server keeps serving', async () => {
      expectRefused(await t.api.post('/auth/login', { raw: deepObject(3000, 'username') }));
      expectRefused(await t.api.post('/auth/login', { raw: `{"username":"alice","password":${deepArray(3000)}}` }));
      expectRefused(await t.api.post('/auth/register', { raw: deepObject(3000, 'password') }));
      expect((await t.api.get('/health')).status).toBe(200);
    });

    it('answers 400 to nested files on /sessions and in a report, and stores nothing', async () => {
      const before = (await t.api.get('/sessions', { token: alice.token })).body.length as number;
      const nestedFiles = `{"direction":"host-sends","endpoint":{"host":"127.0.0.1","port":40123},"certificate":${JSON.stringify(certPem)},"files":${deepArray(3000)}}`;
      expectRefused(await t.api.post('/sessions', { token: alice.token, raw: nestedFiles }));
      expect((await t.api.get('/sessions', { token: alice.token })).body).toHaveLength(before);
      const id = await joined();
      expectRefused(await t.api.post(`/sessions/${id}/report`, { token: alice.token, raw: `{"role":"sender","bytes":1,"verified":true,"files":[${deepObject(3000, 'name')}]}` }));
      expect((await t.api.get(`/sessions/${id}`, { token: alice.token })).body.state).toBe('joined');
    });

    it('still accepts ordinary nesting, and brackets inside strings do not count', async () => {
      const login = await t.api.post('/auth/login', { raw: JSON.stringify({ username: 'alice', password: '['.repeat(100) + '{'.repeat(100) }) });
      expect(login.status).toBe(401);
    });
  });

  async function joined(): Promise<string> {
    const created = await createSession(t.api, alice, { invitee: 'bob' });
    const join = await t.api.post(`/sessions/${created.session.id}/join`, { token: bob.token, body: { certificate: (await peerCertificate('joiner')).certPem } });
    expect(join.status).toBe(200);
    return created.session.id as string;
  }
});
