/**
 * Slowloris against the real HTTPS server (startTestServer, in this process): 1,000 connections that
 * never finish the TLS handshake, or finish it and then send request headers one byte at a time, must not
 * keep a legitimate client from registering, logging in and opening a session meanwhile — and the server
 * must close every one of them itself once its deadline passes (here shortened to a few seconds through
 * `connectionLimits`; the defaults are in server/src/config/connection-limits.ts).
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAndLogin } from '../../server/test/support/accounts';
import { peerCertificate } from '../../server/test/support/sessions';
import { startTestServer, type TestServer } from '../../server/test/support/test-server';

const SILENT = 400; // TCP connected, not one byte sent
const HALF_HELLO = 200; // a TLS record header announcing a ClientHello that never comes
const DRIBBLING = 400; // TLS done, then request headers one byte at a time, never finished
const DRIBBLE_EVERY_MS = 400;
const OPEN_BATCH = 100;
const LIMITS = { handshakeTimeoutMs: 6000, headersTimeoutMs: 6000, requestTimeoutMs: 12_000, checkIntervalMs: 250 };
/** Bound on waiting for the server to close them all: the longest deadline plus generous slack. */
const ALL_CLOSED_WITHIN_MS = 15_000;

/** One stalled connection: records whether the server closed it (we only destroy it in clean-up). */
class Stalled {
  closedByServer = false;
  private cleaningUp = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly socket: Socket) {
    socket.on('error', () => undefined); // ECONNRESET when the server gives up on us is expected
    socket.on('close', () => {
      if (this.timer) clearInterval(this.timer);
      if (!this.cleaningUp) this.closedByServer = true;
    });
  }

  /** Sends `text` one byte every `ms`, cycling, so the headers never end. */
  dribble(text: string, ms: number): void {
    let i = 0;
    this.timer = setInterval(() => {
      if (!this.socket.destroyed) this.socket.write(text[i++ % text.length]);
    }, ms);
    this.timer.unref();
  }

  destroy(): void {
    this.cleaningUp = !this.closedByServer;
    if (this.timer) clearInterval(this.timer);
    this.socket.destroy();
  }
}

function openTcp(port: number, first?: Buffer): Promise<Stalled> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: '127.0.0.1', port }, () => {
      socket.off('error', reject);
      if (first) socket.write(first);
      resolve(new Stalled(socket));
    });
    socket.once('error', reject);
  });
}

function openDribbler(port: number, ca: string): Promise<Stalled> {
  return new Promise((resolve, reject) => {
    // Certificate verification stays on: the attacker here is a client that does speak proper TLS.
    const socket = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      socket.off('error', reject);
      const stalled = new Stalled(socket);
      stalled.dribble('POST /auth/login HTTP/1.1\r\nHost: localhost\r\nX-Pad: aaaaaaaaaaaaaaaa\r\n', DRIBBLE_EVERY_MS);
      resolve(stalled);
    });
    socket.once('error', reject);
  });
}

async function inBatches(count: number, open: () => Promise<Stalled>): Promise<Stalled[]> {
  const all: Stalled[] = [];
  for (let done = 0; done < count; done += OPEN_BATCH) {
    all.push(...(await Promise.all(Array.from({ length: Math.min(OPEN_BATCH, count - done) }, open))));
  }
  return all;
}

async function waitUntil(condition: () => boolean, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}

describe('slowloris against the real HTTPS server', () => {
  let t: TestServer;
  let stalled: Stalled[] = [];

  beforeAll(async () => {
    t = await startTestServer({ options: { connectionLimits: LIMITS } });
  });
  afterAll(async () => {
    for (const s of stalled) s.destroy();
    await t?.close();
  });

  it('serves register, login and a new session while 1,000 connections stall, then closes every stalled one itself', async () => {
    const port = new URL(t.url).port;
    // A TLS handshake record header (type 22, TLS 1.0 record version) announcing 512 bytes that never follow.
    const halfHello = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]);
    // The TLS dribblers take longest to open, so they go first: the deadlines of the others start later.
    const dribbling = await inBatches(DRIBBLING, () => openDribbler(Number(port), t.caPem));
    const halfHellos = await inBatches(HALF_HELLO, () => openTcp(Number(port), halfHello));
    const silent = await inBatches(SILENT, () => openTcp(Number(port)));
    stalled = [...silent, ...halfHellos, ...dribbling];
    expect(stalled).toHaveLength(1000);
    const openWhenLegitimateClientStarts = stalled.filter((s) => !s.socket.destroyed).length;

    const alice = await registerAndLogin(t.api, 'alice');
    const bob = await registerAndLogin(t.api, 'bob');
    const created = await t.api.post('/sessions', {
      token: alice.token,
      body: {
        direction: 'host-sends',
        invitee: 'bob',
        endpoint: { host: '127.0.0.1', port: 40123 },
        certificate: (await peerCertificate('host')).certPem,
      },
    });
    expect(created.status).toBe(201);
    const joined = await t.api.post(`/sessions/${created.body.session.id}/join`, {
      token: bob.token,
      body: { certificate: (await peerCertificate('joiner')).certPem },
    });
    expect(joined.status).toBe(200);
    expect(joined.body.key).toBe(created.body.key);
    // The attack was on while the client was served (most stalled sockets were still open when it began).
    expect(openWhenLegitimateClientStarts).toBeGreaterThan(900);

    await waitUntil(() => stalled.every((s) => s.closedByServer), ALL_CLOSED_WITHIN_MS);
    const stillOpen = (list: Stalled[]) => list.filter((s) => !s.closedByServer).length;
    expect({ silent: stillOpen(silent), halfHello: stillOpen(halfHellos), dribbling: stillOpen(dribbling) }).toEqual({
      silent: 0,
      halfHello: 0,
      dribbling: 0,
    });
    // And the server still answers afterwards.
    expect((await t.api.get('/health')).status).toBe(200);
  }, 40_000);
});

describe('request deadlines against the real HTTPS server', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer({ options: { connectionLimits: { headersTimeoutMs: 1000, requestTimeoutMs: 1500, checkIntervalMs: 250 } } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lets a long-poll answer after the request deadline has passed: the deadlines cover receiving a request, not answering it', async () => {
    const alice = await registerAndLogin(t.api, 'alice');
    const created = await t.api.post('/sessions', {
      token: alice.token,
      body: { direction: 'host-sends', endpoint: { host: '127.0.0.1', port: 40123 }, certificate: (await peerCertificate('host')).certPem },
    });
    expect(created.status).toBe(201);
    const waited = await t.api.get(`/sessions/${created.body.session.id}/wait?state=waiting&timeout=3`, { token: alice.token });
    expect(waited.status).toBe(200);
    expect(waited.body.state).toBe('waiting');
  }, 20_000);
});
