import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersController } from '../../src/users/users.controller';
import { registerAndLogin, type TestAccount } from '../support/accounts';
import { describeEachDatabase } from '../support/databases';
import { startTestServer, type TestServer } from '../support/test-server';

const SIGNING_KEY = Buffer.alloc(32, 7).toString('base64');
const SIGNATURE = Buffer.alloc(64, 9).toString('base64');

function x25519Public(): string {
  const jwk = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' });
  return Buffer.from(jwk.x!, 'base64url').toString('base64');
}

describeEachDatabase(`${UsersController.name} delivery keys`, (db) => {
  let t: TestServer;
  let alice: TestAccount;
  let bob: TestAccount;

  beforeAll(async () => {
    t = await startTestServer({ dbUrl: db.dbUrl });
    [alice, bob] = await Promise.all(['alice', 'bob'].map((name) => registerAndLogin(t.api, name)));
    await t.api.put('/users/me/signing-key', { token: alice.token, body: { publicKey: SIGNING_KEY } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers delivery_key_missing (404) before the user published one', async () => {
    const res = await t.api.get('/users/alice/delivery-key', { token: bob.token });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('delivery_key_missing');
  });

  it('stores a published key with its signature and gives it, the fingerprint and the identity key to other users', async () => {
    const publicKey = x25519Public();
    const put = await t.api.put('/users/me/delivery-key', { token: alice.token, body: { publicKey, signature: SIGNATURE } });
    expect(put.status).toBe(200);
    const res = await t.api.get('/users/ALICE/delivery-key', { token: bob.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      username: 'alice', publicKey, signature: SIGNATURE, signingKey: SIGNING_KEY,
      fingerprint: (await import('node:crypto')).createHash('sha256').update(Buffer.from(publicKey, 'base64')).digest('hex'),
    });
  });

  it.each([
    ['a short key', { publicKey: Buffer.alloc(31).toString('base64'), signature: SIGNATURE }],
    ['a short signature', { publicKey: Buffer.alloc(32).toString('base64'), signature: Buffer.alloc(63).toString('base64') }],
    ['no signature', { publicKey: Buffer.alloc(32).toString('base64') }],
    ['an unknown field', { publicKey: Buffer.alloc(32).toString('base64'), signature: SIGNATURE, extra: 1 }],
  ])('refuses %s (400)', async (_what, body) => {
    const res = await t.api.put('/users/me/delivery-key', { token: bob.token, body });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
  });

  it('answers user_not_found for an unknown user, and needs a token', async () => {
    const res = await t.api.get('/users/nobody-here/delivery-key', { token: bob.token });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('user_not_found');
    expect((await t.api.get('/users/alice/delivery-key')).status).toBe(401);
  });
});

describe('GET /users/:name/delivery-key lookup budget', () => {
  it('counts unknown names against the caller, like signing keys', async () => {
    const t = await startTestServer({ env: { SFT_SESSION_LOOKUP_LIMIT: '3' } });
    try {
      const carol = await registerAndLogin(t.api, 'carol');
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await t.api.get(`/users/ghost${i}/delivery-key`, { token: carol.token })).status);
      expect(statuses).toContain(429);
    } finally {
      await t.close();
    }
  });
});
