/**
 * Helpers for the relay tests: two accounts that get tickets through the real HTTPS API, tickets
 * minted with a server's real key (for expired or tiny-cap cases), raw connections to the relay port,
 * and byte-exact streams over a relayed pipe.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { connect as connectTls } from 'node:tls';
import { connectRelay } from '../../client/src/peer/relay-connector';
import { openingLine } from '../../relay/src/opening-line';
import { issueTicket, privateKeyFromSeed, type TicketFields } from '../../relay/src/ticket';
import { registerAndLogin, type TestAccount } from '../../server/test/support/accounts';
import { ApiClient } from '../../server/test/support/https-client';
import { createSession, peerCertificate } from '../../server/test/support/sessions';
import { startSftServer, type SftServer } from '../support/sft-process';

export const MiB = 1024 * 1024;

/** A server the tests reach over HTTPS, and the relay its tickets name. */
export interface RelayWorld {
  api: ApiClient;
  caPem: string;
  relayUrl: string;
  /** The server's data dir (holds relay-ticket.key, from which tests mint special tickets). */
  dataDir: string;
}

export function worldOf(serverUrl: string, caPath: string, relayUrl: string, dataDir: string): RelayWorld {
  const caPem = readFileSync(caPath, 'utf8');
  return { api: new ApiClient(serverUrl, caPem), caPem, relayUrl, dataDir };
}

export async function accounts(world: RelayWorld, ...names: string[]): Promise<TestAccount[]> {
  return Promise.all(names.map((name) => registerAndLogin(world.api, `${name}-${randomBytes(3).toString('hex')}`)));
}

/** A session `host` created (announcing `announced` bytes) and `joiner` joined; returns its id. */
export async function joinedSession(world: RelayWorld, host: TestAccount, joiner: TestAccount, announced = 128 * MiB): Promise<string> {
  const created = await createSession(world.api, host, { files: [{ name: 'data.bin', size: announced }] });
  const { certPem } = await peerCertificate('joiner');
  const joined = await world.api.post(`/sessions/${created.session.id}/join`, { token: joiner.token, body: { certificate: certPem } });
  if (joined.status !== 200) throw new Error(`join: ${joined.status} ${joined.text}`);
  return created.session.id;
}

/** A ticket from `POST /sessions/:id/relay-ticket`. */
export async function ticketFromApi(world: RelayWorld, account: TestAccount, sessionId: string): Promise<string> {
  const res = await world.api.post(`/sessions/${sessionId}/relay-ticket`, { token: account.token });
  if (res.status !== 200) throw new Error(`relay-ticket: ${res.status} ${res.text}`);
  return res.body.ticket;
}

/** A ticket signed with the server's real key but with fields of the test's choosing. */
export function mintTicket(world: RelayWorld, fields: Partial<TicketFields>): string {
  const seed = Buffer.from(readFileSync(join(world.dataDir, 'relay-ticket.key'), 'utf8').trim(), 'base64');
  const all: TicketFields = {
    sid: `test-${randomBytes(6).toString('hex')}`,
    role: 'host',
    relay: world.relayUrl,
    cap: 64 * MiB,
    acct: `acct-${randomBytes(6).toString('hex')}`,
    exp: Math.floor(Date.now() / 1000) + 60,
    ...fields,
  };
  return issueTicket(all, privateKeyFromSeed(seed)).text;
}

export function relayAddress(relayUrl: string): { host: string; port: number } {
  const url = new URL(relayUrl);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) };
}

/** A raw TLS connection to the relay (verified against the server's CA), before any line. */
export function openTls(world: RelayWorld): Promise<import('node:tls').TLSSocket> {
  const { host, port } = relayAddress(world.relayUrl);
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host, port, ca: world.caPem, servername: 'localhost' }, () => resolve(socket));
    socket.once('error', reject);
  });
}

export interface Answer {
  /** Everything the relay sent until it closed. */
  text: string;
  /** True when the relay closed the connection (the test's own timeout bounds the wait). */
  closed: boolean;
}

/** Sends `bytes` (if any) on a socket and collects what comes back until the relay closes it. */
export function answerTo(socket: Duplex, bytes?: string | Buffer): Promise<Answer> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.once('close', () => resolve({ text, closed: true }));
    if (bytes !== undefined) socket.write(bytes);
  });
}

/** Opens TLS, sends the opening line for `ticket` (plus `extra` bytes in the same write), returns the relay's answer. */
export async function refusalOf(world: RelayWorld, ticket: string, extra = ''): Promise<Answer> {
  return answerTo(await openTls(world), openingLine(ticket) + extra);
}

/** Plain TCP (no TLS) to the relay port. */
export function openTcp(world: RelayWorld): Promise<import('node:net').Socket> {
  const { host, port } = relayAddress(world.relayUrl);
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host, port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Both participants through the relay connector; resolves with the two pipes once both got `ok`. */
export async function relayPair(world: RelayWorld, hostTicket: string, joinerTicket: string): Promise<[Duplex, Duplex]> {
  const host = connectRelay({ relayUrl: world.relayUrl, ticket: hostTicket, ca: world.caPem, timeoutMs: 30_000 });
  const joiner = connectRelay({ relayUrl: world.relayUrl, ticket: joinerTicket, ca: world.caPem, timeoutMs: 30_000 });
  return Promise.all([host, joiner]);
}

/** Writes `size` random bytes in 1 MiB pieces (respecting backpressure) and returns their SHA-256; does not end. */
export async function sendRandom(socket: Duplex, size: number, piece = MiB): Promise<string> {
  const hash = createHash('sha256');
  for (let sent = 0; sent < size; sent += piece) {
    const chunk = randomBytes(Math.min(piece, size - sent));
    hash.update(chunk);
    if (!socket.write(chunk)) await new Promise<void>((resolve) => socket.once('drain', resolve));
  }
  return hash.digest('hex');
}

/** Resolves with the SHA-256 of the first `size` bytes; rejects if the pipe closes first or more arrives. */
export function receiveExactly(socket: Duplex, size: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
      if (bytes > size) reject(new Error(`received ${bytes} bytes, expected ${size}`));
      if (bytes === size) {
        socket.off('close', onClose);
        resolve(hash.digest('hex'));
      }
    };
    const onClose = () => reject(new Error(`the pipe closed after ${bytes} of ${size} bytes`));
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.resume(); // the connector hands the pipe over paused
    if (size === 0) resolve(hash.digest('hex'));
  });
}

/** Reads to the end; returns the byte count and SHA-256 of what arrived. */
export function receiveAll(socket: Duplex): Promise<{ bytes: number; sha256: string; ended: boolean }> {
  return new Promise((resolve) => {
    const hash = createHash('sha256');
    let bytes = 0;
    let ended = false;
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    socket.once('end', () => (ended = true));
    socket.on('error', () => undefined);
    socket.once('close', () => resolve({ bytes, sha256: hash.digest('hex'), ended }));
    socket.resume();
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A real `sft server --no-relay` whose tickets name a relay at `tls://127.0.0.1:<relayPort>` (SFT_RELAY_URL),
 * for tests that run that relay themselves (an `sft relay` process, or startRelay in-process).
 */
export function startServerForRelay(relayPort: number): Promise<SftServer> {
  return startSftServer({ SFT_RELAY_URL: `tls://127.0.0.1:${relayPort}` }, ['--no-relay']);
}
