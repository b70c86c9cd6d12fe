import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthController } from '../../src/auth/auth.controller';
import { registerAndLogin, type TestAccount } from '../support/accounts';
import { describeEachDatabase } from '../support/databases';
import { decodeJwt, makeJwt, serverJwtSecret } from '../support/jwt';
import { startTestServer, type TestServer } from '../support/test-server';

describeEachDatabase(AuthController.name, (db) => {
  let t: TestServer;
  let alice: TestAccount;

  beforeAll(async () => {
    t = await startTestServer({ dbUrl: db.dbUrl });
    alice = await registerAndLogin(t.api, 'alice');
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('register', () => {
    it('refuses a username that exists, in any case', async () => {
      const res = await t.api.post('/auth/register', { body: { username: 'ALICE', password: 'another password' } });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('username_taken');
    });

    it('stores usernames lowercase', async () => {
      const res = await t.api.post('/auth/register', { body: { username: 'Carol.B', password: 'password-carol' } });
      expect(res.status).toBe(201);
      expect(res.body.username).toBe('carol.b');
    });

    it.each([
      ["alice' OR '1'='1"],
      ['bob; DROP TABLE users;--'],
      ['ålice'],
      ['\u212Aelvin'], // Kelvin sign: lowercases to ASCII "k", so it must be refused before lowercasing
      ['a'],
      ['-dash-first'],
      ['x'.repeat(33)],
      ['name with space'],
    ])('refuses the username %j with validation_failed', async (username) => {
      const res = await t.api.post('/auth/register', { body: { username, password: 'long enough password' } });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'validation_failed' });
      expect(res.body.message).toMatch(/username/);
    });

    it('refuses a password shorter than 8 characters', async () => {
      const res = await t.api.post('/auth/register', { body: { username: 'shorty', password: 'short' } });
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/password/);
    });

    it('refuses unknown fields', async () => {
      const res = await t.api.post('/auth/register', { body: { username: 'mallory', password: 'password123', admin: true } });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.message).toMatch(/admin/);
    });

    it('refuses a body that is not JSON', async () => {
      const res = await t.api.post('/auth/register', { raw: '{"username": "x",' });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ statusCode: 400, code: 'validation_failed', message: 'The request body is not valid JSON.' });
    });

    it('refuses a body over 64 KiB with payload_too_large', async () => {
      const raw = JSON.stringify({ username: 'big', password: 'p'.repeat(70 * 1024) });
      const res = await t.api.post('/auth/register', { raw });
      expect(res.status).toBe(413);
      expect(res.body.code).toBe('payload_too_large');
    });
  });

  describe('login', () => {
    it('answers a token, its expiry and the user', async () => {
      const res = await t.api.post('/auth/login', { body: { username: 'Alice', password: alice.password } });
      expect(res.status).toBe(200);
      expect(res.body.user).toEqual({ id: alice.id, username: 'alice' });
      expect(Date.parse(res.body.expiresAt)).toBeGreaterThan(Date.now());
      expect(decodeJwt(res.body.token)).toMatchObject({ sub: alice.id, username: 'alice' });
    });

    it('refuses a wrong password with invalid_credentials', async () => {
      const res = await t.api.post('/auth/login', { body: { username: 'alice', password: 'not the password' } });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_credentials');
    });

    it('answers an unknown user exactly like a wrong password', async () => {
      const wrong = await t.api.post('/auth/login', { body: { username: 'alice', password: 'not the password' } });
      const unknown = await t.api.post('/auth/login', { body: { username: 'nobody-here', password: 'not the password' } });
      expect(unknown.status).toBe(wrong.status);
      expect(unknown.body).toEqual(wrong.body);
    });

    it('answers an SQL-looking username with invalid_credentials', async () => {
      const res = await t.api.post('/auth/login', { body: { username: "alice' --", password: alice.password } });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_credentials');
    });

    it('uses every byte of a long password (no 72-byte truncation)', async () => {
      const base = 'x'.repeat(80);
      await registerAndLogin(t.api, 'longpass', `${base}-one`);
      const res = await t.api.post('/auth/login', { body: { username: 'longpass', password: `${base}-two` } });
      expect(res.status).toBe(401);
    });
  });

  describe('tokens', () => {
    it('lets a valid token read /auth/me', async () => {
      const res = await t.api.get('/auth/me', { token: alice.token });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id: alice.id, username: 'alice', signingKey: null });
    });

    it('refuses a request without a token', async () => {
      const res = await t.api.get('/auth/me');
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('unauthenticated');
    });

    it('refuses an expired token', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = makeJwt({ sub: alice.id, username: 'alice', jti: randomUUID(), iat: now - 120, exp: now - 60 }, serverJwtSecret(t.dataDir));
      const res = await t.api.get('/auth/me', { token });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('unauthenticated');
    });

    it('accepts a hand-made token signed with the server key (the control for the forgery tests)', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = makeJwt({ sub: alice.id, username: 'alice', jti: randomUUID(), iat: now, exp: now + 60 }, serverJwtSecret(t.dataDir));
      expect((await t.api.get('/auth/me', { token })).status).toBe(200);
    });

    it('refuses a token signed with another key', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = makeJwt({ sub: alice.id, username: 'alice', jti: randomUUID(), iat: now, exp: now + 60 }, randomBytes(32));
      expect((await t.api.get('/auth/me', { token })).status).toBe(401);
    });

    it('refuses an unsigned alg:none token', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = makeJwt({ sub: alice.id, username: 'alice', jti: randomUUID(), iat: now, exp: now + 60 }, null, { alg: 'none', typ: 'JWT' });
      expect((await t.api.get('/auth/me', { token })).status).toBe(401);
    });

    it('refuses a token for a user that does not exist', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = makeJwt({ sub: randomUUID(), username: 'ghost', jti: randomUUID(), iat: now, exp: now + 60 }, serverJwtSecret(t.dataDir));
      expect((await t.api.get('/auth/me', { token })).status).toBe(401);
    });

    it('revokes the token on logout', async () => {
      const login = await t.api.post('/auth/login', { body: { username: 'alice', password: alice.password } });
      const token = login.body.token;
      const logout = await t.api.post('/auth/logout', { token });
      expect(logout.status).toBe(204);
      const after = await t.api.get('/auth/me', { token });
      expect(after.status).toBe(401);
      expect(after.body.code).toBe('unauthenticated');
    });

    it('keeps other tokens of the same user valid after a logout', async () => {
      const login = await t.api.post('/auth/login', { body: { username: 'alice', password: alice.password } });
      await t.api.post('/auth/logout', { token: login.body.token });
      expect((await t.api.get('/auth/me', { token: alice.token })).status).toBe(200);
    });
  });
});

describe(`${AuthController.name} rate limits`, () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer({ options: { loginLimit: 3, loginAddressLimit: 8 } });
    await registerAndLogin(t.api, 'dave', 'dave-password'); // one login attempt for dave, then reset by success
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 429 rate_limited after too many attempts on one account, even with the right password', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await t.api.post('/auth/login', { body: { username: 'dave', password: 'wrong password' } })).status).toBe(401);
    }
    const res = await t.api.post('/auth/login', { body: { username: 'DAVE', password: 'dave-password' } });
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('rate_limited');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('answers 429 after too many attempts from one address across accounts', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await t.api.post('/auth/login', { body: { username: `someone${i}`, password: 'whatever1' } })).status);
    }
    expect(statuses).toContain(429);
    expect(statuses.slice(0, 2)).toEqual([401, 401]);
  });
});
