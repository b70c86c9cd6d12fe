import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LookupLimiter } from '../../src/common/lookup-limiter';
import { newSessionId } from '../../src/sessions/session-id';
import { registerAndLogin, type TestAccount } from '../support/accounts';
import { createSession, peerCertificate } from '../support/sessions';
import { startTestServer, type TestServer } from '../support/test-server';

const LIMIT = 5;

describe(LookupLimiter.name, () => {
  let t: TestServer;
  let alice: TestAccount;
  let mallory: TestAccount;
  let bob: TestAccount;

  beforeAll(async () => {
    t = await startTestServer({ options: { sessionLookupLimit: LIMIT } });
    [alice, mallory, bob] = await Promise.all(['alice', 'mallory', 'bob'].map((name) => registerAndLogin(t.api, name)));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 429 rate_limited to a user who guessed too many unknown session ids, also for an id that exists', async () => {
    const real = (await createSession(t.api, alice)).session.id as string;
    for (let i = 0; i < LIMIT; i++) {
      const guess = await t.api.get(`/sessions/${newSessionId()}`, { token: mallory.token });
      expect(guess.status).toBe(404);
      expect(guess.body.code).toBe('session_not_found');
    }
    const { certPem } = await peerCertificate('mallory');
    const overGet = await t.api.get(`/sessions/${newSessionId()}`, { token: mallory.token });
    const overJoinReal = await t.api.post(`/sessions/${real}/join`, { token: mallory.token, body: { certificate: certPem } });
    const overWait = await t.api.get(`/sessions/${newSessionId()}/wait?state=waiting&timeout=1`, { token: mallory.token });
    for (const answer of [overGet, overJoinReal, overWait]) {
      expect(answer.status).toBe(429);
      expect(answer.body.code).toBe('rate_limited');
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
    }
    // The real session was not joined by the guesser.
    expect((await t.api.get(`/sessions/${real}`, { token: alice.token })).body.state).toBe('waiting');
  });

  it('counts join guesses too, and keeps other users unaffected', async () => {
    const { certPem } = await peerCertificate('guesser');
    const guesser = await registerAndLogin(t.api, `guesser${randomBytes(3).toString('hex')}`);
    for (let i = 0; i < LIMIT; i++) {
      const guess = await t.api.post(`/sessions/${newSessionId()}/join`, { token: guesser.token, body: { certificate: certPem } });
      expect(guess.status).toBe(404);
    }
    expect((await t.api.post(`/sessions/${newSessionId()}/join`, { token: guesser.token, body: { certificate: certPem } })).status).toBe(429);

    const real = (await createSession(t.api, alice)).session.id as string;
    const joined = await t.api.post(`/sessions/${real}/join`, { token: bob.token, body: { certificate: certPem } });
    expect(joined.status).toBe(200);
  });

  it('keeps serving a user over the budget their own sessions (finding them tells a guesser nothing)', async () => {
    const over = await registerAndLogin(t.api, `over${randomBytes(3).toString('hex')}`);
    const own = (await createSession(t.api, over)).session.id as string;
    for (let i = 0; i < LIMIT; i++) expect((await t.api.get(`/sessions/${newSessionId()}`, { token: over.token })).status).toBe(404);
    expect((await t.api.get(`/sessions/${newSessionId()}`, { token: over.token })).status).toBe(429);
    expect((await t.api.get(`/sessions/${own}`, { token: over.token })).body.state).toBe('waiting');
    expect((await t.api.post(`/sessions/${own}/cancel`, { token: over.token, body: {} })).status).toBe(200);
  });

  it('does not count lookups of sessions the user is part of', async () => {
    const own = (await createSession(t.api, bob)).session.id as string;
    for (let i = 0; i < LIMIT * 3; i++) expect((await t.api.get(`/sessions/${own}`, { token: bob.token })).status).toBe(200);
  });
});

// SPEC §5: no user enumeration; lookups of unknown usernames share the budget of unknown session ids.
describe(`${LookupLimiter.name} for usernames`, () => {
  let t: TestServer;
  let alice: TestAccount;
  let eve: TestAccount;

  beforeAll(async () => {
    t = await startTestServer({ options: { sessionLookupLimit: LIMIT } });
    [alice, eve] = await Promise.all(['alice', 'eve'].map((name) => registerAndLogin(t.api, name)));
    await t.api.put('/users/me/signing-key', { token: alice.token, body: { publicKey: Buffer.alloc(32, 1).toString('base64') } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 429 to a user who asked for too many unknown usernames, also for a name that exists', async () => {
    for (let i = 0; i < LIMIT; i++) {
      const guess = await t.api.get(`/users/guess${i}/signing-key`, { token: eve.token });
      expect(guess.body.code).toBe('user_not_found');
    }
    const existing = await t.api.get('/users/alice/signing-key', { token: eve.token });
    expect(existing.status).toBe(429);
    expect(existing.body.code).toBe('rate_limited');
  });

  it('counts unknown invitees against the same budget', async () => {
    const carol = await registerAndLogin(t.api, 'carol');
    const { certPem } = await peerCertificate('carol');
    const body = (invitee: string) => ({ direction: 'host-sends', endpoint: { host: '127.0.0.1', port: 40123 }, certificate: certPem, invitee });
    for (let i = 0; i < LIMIT; i++) {
      expect((await t.api.post('/sessions', { token: carol.token, body: body(`nobody${i}`) })).body.code).toBe('user_not_found');
    }
    expect((await t.api.post('/sessions', { token: carol.token, body: body('alice') })).status).toBe(429);
    // Looking up known users never counts.
    expect((await t.api.get('/users/alice/signing-key', { token: alice.token })).status).toBe(200);
  });
});
