import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicKeyFromBase64, verifyTicket } from '../../../relay/src/ticket';
import { RelayTicketsController } from '../../src/relay/relay-tickets.controller';
import { registerAndLogin, type TestAccount } from '../support/accounts';
import { createSession, peerCertificate } from '../support/sessions';
import { startTestServer, type TestServer } from '../support/test-server';

const MiB = 1024 * 1024;

describe(RelayTicketsController.name, () => {
  let t: TestServer;
  let alice: TestAccount;
  let bob: TestAccount;
  let carol: TestAccount;

  beforeAll(async () => {
    t = await startTestServer({ options: { relayPort: 0 }, env: { SFT_RELAY_TICKET_TTL: '30' } });
    [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((name) => registerAndLogin(t.api, name)));
  });
  afterAll(async () => {
    await t?.close();
  });

  const ticketFor = (account: TestAccount, id: string) => t.api.post(`/sessions/${id}/relay-ticket`, { token: account.token });
  const relayPublicKey = () => publicKeyFromBase64(readFileSync(join(t.dataDir, 'relay-ticket.pub'), 'utf8').trim(), 'test');

  async function joined(files = [{ name: 'a.bin', size: 100 * MiB }]): Promise<string> {
    const created = await createSession(t.api, alice, { files });
    const { certPem } = await peerCertificate('joiner');
    const join = await t.api.post(`/sessions/${created.session.id}/join`, { token: bob.token, body: { certificate: certPem } });
    expect(join.status).toBe(200);
    return created.session.id;
  }

  it('gives the waiting host a ticket bound to the session, its role, its account, this relay and a short expiry', async () => {
    const created = await createSession(t.api, alice, { files: [{ name: 'a.bin', size: 100 * MiB }] });
    const res = await ticketFor(alice, created.session.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ relay: t.server.relayUrl, role: 'host' });
    const ticket = verifyTicket(res.body.ticket, relayPublicKey(), t.server.relayUrl!);
    expect(ticket).toMatchObject({ sid: created.session.id, role: 'host', acct: alice.id, relay: t.server.relayUrl });
    expect(ticket.exp - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(30);
    expect(new Date(res.body.expiresAt).getTime()).toBe(ticket.exp * 1000);
  });

  it('issues tickets in an interrupted session too, naming its attempt (att) so the relay pairs that link apart', async () => {
    const id = await joined();
    expect(verifyTicket((await ticketFor(alice, id)).body.ticket, relayPublicKey(), t.server.relayUrl!).att).toBe(0);
    const interrupted = await t.api.post(`/sessions/${id}/interrupt`, { token: bob.token, body: { attempt: 0 } });
    expect(interrupted.body).toMatchObject({ state: 'interrupted', attempt: 1 });
    for (const account of [alice, bob]) {
      const res = await ticketFor(account, id);
      expect(res.status).toBe(200);
      expect(verifyTicket(res.body.ticket, relayPublicKey(), t.server.relayUrl!)).toMatchObject({ sid: id, att: 1 });
    }
  });

  it('sets the byte cap from the announced files plus a bounded allowance for framing', async () => {
    const id = await joined([{ name: 'a.bin', size: 100 * MiB }, { name: 'b.bin', size: 28 * MiB }]);
    const { body } = await ticketFor(bob, id);
    expect(body.role).toBe('joiner');
    expect(body.byteCap).toBeGreaterThan(128 * MiB);
    expect(body.byteCap).toBeLessThan(128 * MiB + 10 * MiB);
    expect(verifyTicket(body.ticket, relayPublicKey(), t.server.relayUrl!).cap).toBe(body.byteCap);
  });

  it('issues a fresh ticket on every call (each one is single-use at the relay)', async () => {
    const id = await joined();
    const [first, second] = [await ticketFor(alice, id), await ticketFor(alice, id)];
    expect(first.body.ticket).not.toBe(second.body.ticket);
  });

  it('answers 404 to a user who is not part of the session, as for a session that does not exist', async () => {
    const id = await joined();
    const res = await ticketFor(carol, id);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('session_not_found');
    expect(res.text).not.toMatch(/ticket"/);
  });

  it('answers 404 to the invitee before they joined', async () => {
    const created = await createSession(t.api, alice, { invitee: 'bob' });
    expect((await ticketFor(bob, created.session.id)).status).toBe(404);
  });

  it('answers 410 once the session is closed', async () => {
    const id = await joined();
    expect((await t.api.post(`/sessions/${id}/cancel`, { token: alice.token, body: {} })).status).toBe(200);
    const res = await ticketFor(bob, id);
    expect(res.status).toBe(410);
    expect(res.body).toMatchObject({ code: 'session_closed', state: 'cancelled' });
  });

  it('keeps the signing key 0600 in the data dir and publishes only its public half', () => {
    expect(statSync(join(t.dataDir, 'relay-ticket.key')).mode & 0o777).toBe(0o600);
    const seed = readFileSync(join(t.dataDir, 'relay-ticket.key'), 'utf8');
    expect(readFileSync(join(t.dataDir, 'relay-ticket.pub'), 'utf8')).not.toContain(seed.trim());
  });

  it('documents the route in OpenAPI', async () => {
    const res = await t.api.get('/docs-json');
    expect(Object.keys(res.body.paths)).toContain('/sessions/{id}/relay-ticket');
    expect(res.body.components.schemas.RelayTicketView.required).toEqual(expect.arrayContaining(['ticket', 'relay', 'role', 'byteCap', 'expiresAt']));
  });

  it('answers 401 without a token', async () => {
    const id = await joined();
    expect((await t.api.post(`/sessions/${id}/relay-ticket`)).status).toBe(401);
  });
});

describe(`${RelayTicketsController.name} without a relay`, () => {
  let t: TestServer;
  let alice: TestAccount;

  beforeAll(async () => {
    t = await startTestServer();
    alice = await registerAndLogin(t.api, 'alice');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 503 relay_unavailable', async () => {
    const created = await createSession(t.api, alice);
    const res = await t.api.post(`/sessions/${created.session.id}/relay-ticket`, { token: alice.token });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('relay_unavailable');
    expect(t.server.relayUrl).toBeNull();
  });

  it('names SFT_RELAY_URL in tickets when the relay runs elsewhere', async () => {
    const elsewhere = await startTestServer({ env: { SFT_RELAY_URL: 'tls://Relay.Example.org:8444' } });
    try {
      const bob = await registerAndLogin(elsewhere.api, 'bob');
      const created = await createSession(elsewhere.api, bob);
      const res = await elsewhere.api.post(`/sessions/${created.session.id}/relay-ticket`, { token: bob.token });
      expect(res.body.relay).toBe('tls://relay.example.org:8444');
      expect(elsewhere.server.relay).toBeNull();
    } finally {
      await elsewhere.close();
    }
  });
});
