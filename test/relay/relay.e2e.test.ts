/**
 * The relay started by a real `sft server` process: two accounts get tickets over the real HTTPS API
 * and are paired through it byte-exact; then everything it must refuse — forged, expired, replayed and
 * doubled tickets, a third connection, garbage, early data, silence, too many pending connections,
 * the per-account cap and the byte cap — each with its one `error:` line (or a plain close where no
 * line can be read) and one log line, and the server process alive and without a stack trace.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openingLine } from '../../relay/src/opening-line';
import { issueTicket } from '../../relay/src/ticket';
import type { TestAccount } from '../../server/test/support/accounts';
import { startSftServer, type SftServer } from '../support/sft-process';
import {
  accounts, answerTo, joinedSession, MiB, mintTicket, openTcp, openTls, receiveAll, receiveExactly, refusalOf,
  relayPair, sendRandom, sleep, ticketFromApi, worldOf, type RelayWorld,
} from './support';

const OPENING_TIMEOUT_S = 2;
const PAIR_TIMEOUT_S = 3;
const MAX_PENDING_PER_ADDRESS = 4;
const MAX_PER_ACCOUNT = 3;

describe('relay started by sft server', () => {
  let server: SftServer;
  let world: RelayWorld;
  let alice: TestAccount;
  let bob: TestAccount;
  let carol: TestAccount;

  beforeAll(async () => {
    server = await startSftServer({
      SFT_RELAY_OPENING_TIMEOUT: String(OPENING_TIMEOUT_S),
      SFT_RELAY_PAIR_TIMEOUT: String(PAIR_TIMEOUT_S),
      SFT_RELAY_MAX_PENDING_PER_ADDRESS: String(MAX_PENDING_PER_ADDRESS),
      SFT_RELAY_MAX_PER_ACCOUNT: String(MAX_PER_ACCOUNT),
    });
    const relayUrl = (await server.process.waitForStdout(/^Relay: (tls:\/\/\S+) \(started here\)$/m))[1];
    world = worldOf(server.url, server.caCertPath, relayUrl, server.dataDir);
    [alice, bob, carol] = await accounts(world, 'alice', 'bob', 'carol');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('pairs the host and the joiner of one session and copies a large stream both ways byte-exact', async () => {
    const id = await joinedSession(world, alice, bob);
    const [host, joiner] = await relayPair(world, await ticketFromApi(world, alice, id), await ticketFromApi(world, bob, id));
    const toJoiner = receiveExactly(joiner, 96 * MiB);
    const toHost = receiveExactly(host, 8 * MiB);
    const [sentByHost, sentByJoiner] = await Promise.all([sendRandom(host, 96 * MiB), sendRandom(joiner, 8 * MiB)]);
    expect(await toJoiner).toBe(sentByHost);
    expect(await toHost).toBe(sentByJoiner);
    // A clean end on one side reaches the other as an end, and both connections close.
    const joinerEnd = receiveAll(joiner);
    host.end();
    joiner.end();
    expect((await joinerEnd).ended).toBe(true);
  });

  it('refuses a ticket signed by any key but the server\'s', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const forged = issueTicket(
      { sid: 'abcd-efgh-jkmn-pqrs', role: 'host', relay: world.relayUrl, cap: MiB, acct: alice.id, exp: Math.floor(Date.now() / 1000) + 60 },
      privateKey,
    ).text;
    expect(await refusalOf(world, forged)).toEqual({ text: 'error: invalid ticket\n', closed: true });
  });

  it('refuses an expired ticket', async () => {
    const expired = mintTicket(world, { exp: Math.floor(Date.now() / 1000) - 1 });
    expect(await refusalOf(world, expired)).toEqual({ text: 'error: ticket expired\n', closed: true });
  });

  it('refuses a ticket made out for another relay', async () => {
    expect(await refusalOf(world, mintTicket(world, { relay: 'tls://relay.example.org:8444' }))).toEqual({
      text: 'error: ticket is for another relay\n', closed: true,
    });
  });

  it('refuses a replayed ticket, a third connection, and any ticket for a session already relayed', async () => {
    const id = await joinedSession(world, alice, bob);
    const hostTicket = await ticketFromApi(world, alice, id);
    const [host, joiner] = await relayPair(world, hostTicket, await ticketFromApi(world, bob, id));
    expect(await refusalOf(world, hostTicket)).toEqual({ text: 'error: ticket already used\n', closed: true });
    expect(await refusalOf(world, await ticketFromApi(world, bob, id))).toEqual({ text: 'error: session already relayed\n', closed: true });
    // The pair is untouched by the refusals.
    const received = receiveExactly(joiner, MiB);
    const sent = await sendRandom(host, MiB);
    expect(await received).toBe(sent);
    host.destroy();
    joiner.destroy();
    // Still refused after the pair has ended: one pair per session.
    await sleep(200);
    expect(await refusalOf(world, await ticketFromApi(world, alice, id))).toEqual({ text: 'error: session already relayed\n', closed: true });
  });

  it('refuses a second host for one session (two hosts never pair) and keeps the first waiting', async () => {
    const id = await joinedSession(world, alice, bob);
    const first = await openTls(world);
    const firstAnswer = answerTo(first, openingLine(await ticketFromApi(world, alice, id)));
    await sleep(200);
    expect(await refusalOf(world, await ticketFromApi(world, alice, id))).toEqual({ text: 'error: the host is already connected\n', closed: true });
    // The first host was not disturbed: it ends only when its pair timeout does.
    expect(await firstAnswer).toEqual({ text: 'error: the other side did not connect in time\n', closed: true });
  });

  it('gives a user who is not part of the session no ticket at all', async () => {
    const id = await joinedSession(world, alice, bob);
    const res = await world.api.post(`/sessions/${id}/relay-ticket`, { token: carol.token });
    expect(res.status).toBe(404);
  });

  it('refuses bytes sent with the opening line, before ok', async () => {
    expect(await refusalOf(world, mintTicket(world, {}), 'hello')).toEqual({ text: 'error: data before ok\n', closed: true });
  });

  it('refuses bytes sent while waiting for the other side, and frees the slot', async () => {
    const sid = `early-${Date.now()}`;
    const socket = await openTls(world);
    const answer = answerTo(socket, openingLine(mintTicket(world, { sid })));
    await sleep(300);
    socket.write('too soon');
    expect(await answer).toEqual({ text: 'error: data before ok\n', closed: true });
    // The host slot is free again: a new host ticket for the session is accepted (and waits).
    const again = await openTls(world);
    const second = answerTo(again, openingLine(mintTicket(world, { sid })));
    expect(await second).toEqual({ text: 'error: the other side did not connect in time\n', closed: true });
  });

  it('answers plain-text garbage on the relay port with a plain-text line', async () => {
    expect(await answerTo(await openTcp(world), 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')).toEqual({
      text: 'error: this is an sft relay: connect with TLS and send the opening line\n', closed: true,
    });
  });

  it('refuses a garbage opening line, an unknown version and a binary one', async () => {
    expect(await answerTo(await openTls(world), 'GET / HTTP/1.1\r\n\r\n')).toEqual({ text: 'error: bad opening line\n', closed: true });
    expect(await answerTo(await openTls(world), 'sft-relay/9 please relay a.b\n')).toEqual({
      text: 'error: unsupported version (this relay speaks sft-relay/1)\n', closed: true,
    });
    expect(await answerTo(await openTls(world), Buffer.from([0, 1, 2, 0xff, 0x0a]))).toEqual({ text: 'error: bad opening line\n', closed: true });
  });

  it('refuses an oversized opening line without waiting for its end', async () => {
    expect(await answerTo(await openTls(world), 'x'.repeat(64 * 1024))).toEqual({ text: 'error: opening line too long\n', closed: true });
  });

  it('refuses a silent TLS connection when the opening deadline passes', async () => {
    expect(await answerTo(await openTls(world))).toEqual({ text: 'error: no opening line in time\n', closed: true });
  });

  it('closes a silent TCP connection that never starts TLS', async () => {
    expect(await answerTo(await openTcp(world))).toEqual({ text: '', closed: true });
  });

  it(`closes connections from one address past ${MAX_PENDING_PER_ADDRESS} pending handshakes, and takes new ones once they go`, async () => {
    const silent = await Promise.all(Array.from({ length: MAX_PENDING_PER_ADDRESS }, () => openTls(world)));
    const silentAnswers = silent.map((socket) => answerTo(socket));
    expect(await answerTo(await openTcp(world))).toEqual({ text: '', closed: true });
    for (const socket of silent) socket.destroy();
    await Promise.all(silentAnswers);
    await sleep(100);
    expect(await answerTo(await openTls(world), 'nonsense\n')).toEqual({ text: 'error: bad opening line\n', closed: true });
  });

  it(`refuses an account's connection past ${MAX_PER_ACCOUNT} at once`, async () => {
    const acct = `busy-${Date.now()}`;
    const waiting = await Promise.all(Array.from({ length: MAX_PER_ACCOUNT }, () => openTls(world)));
    const waitingAnswers = waiting.map((socket) => answerTo(socket, openingLine(mintTicket(world, { acct }))));
    await sleep(300);
    expect(await refusalOf(world, mintTicket(world, { acct }))).toEqual({ text: 'error: too many relayed sessions for this account\n', closed: true });
    for (const socket of waiting) socket.destroy();
    await Promise.all(waitingAnswers);
  });

  it('cuts a pair that moves more than its ticket\'s byte cap', async () => {
    const sid = `cap-${Date.now()}`;
    const cap = 2 * MiB;
    const [host, joiner] = await relayPair(world, mintTicket(world, { sid, cap }), mintTicket(world, { sid, role: 'joiner', cap }));
    const received = receiveAll(joiner);
    host.on('error', () => undefined);
    void sendRandom(host, 16 * MiB, 64 * 1024).catch(() => undefined);
    const result = await received;
    expect(result.bytes).toBeLessThanOrEqual(cap);
    expect(result.bytes).toBeGreaterThan(cap / 2);
    host.destroy();
  });

  it('logged one line per refusal, never the ticket, and never crashed', async () => {
    await sleep(200);
    const log = server.process.stdout;
    for (const reason of [
      'invalid ticket', 'ticket expired', 'ticket already used', 'session already relayed', 'the host is already connected',
      'data before ok', 'bad opening line', 'opening line too long', 'no opening line in time', 'not TLS',
      'too many pending connections from this address', 'too many relayed sessions for this account',
    ]) {
      expect(log, reason).toContain(`"event":"refused","reason":"${reason}"`);
    }
    expect(log).toContain('"reason":"byte cap reached"');
    expect(log).not.toMatch(/please relay|[A-Za-z0-9_-]{40,}\.[A-Za-z0-9_-]{86}/);
    expect(server.process.stderr).not.toMatch(/\n\s+at /);
    expect(server.process.child.exitCode).toBeNull();
  });
});
