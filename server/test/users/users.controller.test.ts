import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { UsersController } from '../../src/users/users.controller';
import { registerAndLogin, type TestAccount } from '../support/accounts';
import { describeEachDatabase } from '../support/databases';
import { startTestServer, type TestServer } from '../support/test-server';

const KEY = Buffer.alloc(32, 0xab).toString('base64');

describeEachDatabase(UsersController.name, (db) => {
  let t: TestServer;
  let alice: TestAccount;
  let bob: TestAccount;

  beforeAll(async () => {
    t = await startTestServer({ dbUrl: db.dbUrl });
    [alice, bob] = await Promise.all([registerAndLogin(t.api, 'alice'), registerAndLogin(t.api, 'bob')]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('stores my signing key and answers its SHA-256 fingerprint', async () => {
    const res = await t.api.put('/users/me/signing-key', { token: alice.token, body: { publicKey: KEY } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      username: 'alice',
      publicKey: KEY,
      fingerprint: createHash('sha256').update(Buffer.alloc(32, 0xab)).digest('hex'),
    });
  });

  it('lets another user read it, by any-case name', async () => {
    await t.api.put('/users/me/signing-key', { token: alice.token, body: { publicKey: KEY } });
    const res = await t.api.get('/users/ALICE/signing-key', { token: bob.token });
    expect(res.status).toBe(200);
    expect(res.body.publicKey).toBe(KEY);
  });

  it('shows the key in /auth/me', async () => {
    await t.api.put('/users/me/signing-key', { token: alice.token, body: { publicKey: KEY } });
    expect((await t.api.get('/auth/me', { token: alice.token })).body.signingKey).toBe(KEY);
  });

  it('answers signing_key_missing for a user without a key', async () => {
    const res = await t.api.get('/users/bob/signing-key', { token: alice.token });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('signing_key_missing');
  });

  it('answers user_not_found for an unknown user', async () => {
    const res = await t.api.get('/users/nobody/signing-key', { token: alice.token });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('user_not_found');
  });

  it.each([
    ['31 bytes', Buffer.alloc(31, 1).toString('base64')],
    ['33 bytes', Buffer.alloc(33, 1).toString('base64')],
    ['not base64', '!'.repeat(43) + '='],
    ['base64 without padding', Buffer.alloc(32, 1).toString('base64').slice(0, 43)],
    ['a number', 42],
  ])('refuses a key that is %s', async (_what, publicKey) => {
    const res = await t.api.put('/users/me/signing-key', { token: bob.token, body: { publicKey } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
  });

  it('needs a token to upload', async () => {
    expect((await t.api.put('/users/me/signing-key', { body: { publicKey: KEY } })).status).toBe(401);
  });
});
