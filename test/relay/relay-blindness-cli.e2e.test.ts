/**
 * The relay stays blind, through the real CLI (issue 12): `sft host-session` and `sft join` processes
 * meet through a relay (the real relay code, run in this process so that it can record what it
 * forwards: the `observe` hook) because the host's advertised address refuses. The server is a real
 * `sft server --no-relay` naming that relay. Then:
 *
 * - what the relay forwarded, both ways, is nothing but TLS records: the peers' own TLS 1.3 handshake,
 *   then encrypted records, and no piece of the file;
 * - nothing the server and the relay hold opens it: the database row's session key (decrypted with
 *   the master key from the data dir), the master key, the ticket signing key, a ticket for this
 *   session and the relay's TLS key, each tried as the TLS traffic secret, open no record;
 * - the peers' own TLS secrets (logged by the two sft processes with node's --tls-keylog, which only
 *   the peers have) do open it, so the check above can fail; and under that TLS the file is sealed
 *   chunks that the stolen session key does not open.
 */
import { createHmac, createDecipheriv } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameDecoder, FrameType, type Frame } from '../../client/src/protocol';
import { ChunkOpener } from '../../client/src/transfer/chunk-cipher';
import { startRelay, type RunningRelay } from '../../relay/src/relay-server';
import { standaloneRelayOptions } from '../../relay/src/standalone';
import { issueTicket, privateKeyFromSeed } from '../../relay/src/ticket';
import type { AppSecrets } from '../../server/src/config/app-secrets';
import { SessionKeyCipher } from '../../server/src/sessions/session-key-cipher';
import { sessionRow } from '../../server/test/support/db-rows';
import { expectExit, SftUser, type SftServer } from '../support/sft-process';
import { freePort } from '../support/free-port';
import { startServerForRelay } from './support';

const SECRET = Buffer.from('MEET AT THE NORTH GATE AT NOON. '.repeat(64)); // 2 KiB, easy to spot
const RECORD = { changeCipherSpec: 0x14, alert: 0x15, handshake: 0x16, applicationData: 0x17 };

let server: SftServer;
let relay: RunningRelay;
let alice: SftUser;
let bob: SftUser;
const forwarded = { host: [] as Buffer[], joiner: [] as Buffer[] };

beforeAll(async () => {
  const relayPort = await freePort();
  server = await startServerForRelay(relayPort);
  const { dataDir } = server;
  relay = await startRelay({
    ...standaloneRelayOptions({ port: relayPort, host: '127.0.0.1', dataDir, env: {} }),
    quiet: true,
    observe: (_session, from, chunk) => forwarded[from].push(chunk),
  });
  [alice, bob] = await Promise.all(['alice', 'bob'].map((name) => SftUser.create(name, server)));
  await Promise.all([alice.register(), bob.register()]);
});

afterAll(async () => {
  await relay?.close();
  await server?.stop();
  await Promise.all([alice, bob].map((user) => user?.cleanUp()));
});

interface TlsRecord {
  type: number;
  header: Buffer;
  body: Buffer;
}

/** Splits a byte stream into TLS records; throws if it is anything else. */
function tlsRecords(stream: Buffer): TlsRecord[] {
  const records: TlsRecord[] = [];
  for (let at = 0; at < stream.length;) {
    if (at + 5 > stream.length) throw new Error(`a partial record header at ${at}`);
    const type = stream[at];
    const version = stream.readUInt16BE(at + 1);
    const length = stream.readUInt16BE(at + 3);
    if (!Object.values(RECORD).includes(type) || (version !== 0x0303 && version !== 0x0301) || length > 16384 + 256) {
      throw new Error(`not a TLS record at ${at}: type ${type}, version ${version.toString(16)}, length ${length}`);
    }
    if (at + 5 + length > stream.length) throw new Error('a truncated record');
    records.push({ type, header: stream.subarray(at, at + 5), body: stream.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return records;
}

/** TLS 1.3 HKDF-Expand-Label with an empty context (RFC 8446 §7.1), SHA-384 (TLS_AES_256_GCM_SHA384). */
function expandLabel(secret: Buffer, label: string, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`);
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, full.length]), full, Buffer.from([0])]);
  return createHmac('sha384', secret).update(Buffer.concat([info, Buffer.from([1])])).digest().subarray(0, length);
}

/** Opens one TLS 1.3 AES-256-GCM record with the keys of `secret` at sequence `seq`: the inner type and content, or null. */
function openRecord(record: TlsRecord, secret: Buffer, seq: number): { type: number; content: Buffer } | null {
  const key = expandLabel(secret, 'key', 32);
  const nonce = expandLabel(secret, 'iv', 12);
  nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ seq) >>> 0, 8);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(record.header);
    decipher.setAuthTag(record.body.subarray(record.body.length - 16));
    const plain = Buffer.concat([decipher.update(record.body.subarray(0, record.body.length - 16)), decipher.final()]);
    let end = plain.length - 1;
    while (end > 0 && plain[end] === 0) end--;
    return { type: plain[end], content: plain.subarray(0, end) };
  } catch {
    return null;
  }
}

/**
 * The application data of one direction, decrypted with that side's handshake and application
 * traffic secrets: the encrypted records open with the handshake keys first, then the application keys.
 */
function applicationData(records: TlsRecord[], handshakeSecret: Buffer, trafficSecret: Buffer): Buffer {
  const data: Buffer[] = [];
  let inHandshake = true;
  let seq = 0;
  for (const record of records.filter((r) => r.type === RECORD.applicationData)) {
    let opened = inHandshake ? openRecord(record, handshakeSecret, seq) : null;
    if (!opened && inHandshake) {
      inHandshake = false;
      seq = 0;
    }
    opened ??= openRecord(record, trafficSecret, seq);
    if (!opened) throw new Error(`record ${seq} does not open with the peer's own secret`);
    seq++;
    if (opened.type === RECORD.applicationData) data.push(opened.content);
  }
  return Buffer.concat(data);
}

function containsAnyPieceOf(haystack: Buffer, needle: Buffer, piece = 32): boolean {
  for (let at = 0; at + piece <= needle.length; at += piece) {
    if (haystack.includes(needle.subarray(at, at + piece))) return true;
  }
  return false;
}

describe('what the relay forwards between two sft processes', () => {
  it('is the peers\' TLS only: nothing the server or the relay holds opens it, the peers\' own secrets do', async () => {
    const keylog = path.join(alice.dir, 'peers.keylog');
    const env = { NODE_OPTIONS: `--tls-keylog=${keylog}` };
    await fs.writeFile(path.join(alice.dir, 'plan.txt'), SECRET);
    const refused = `127.0.0.1:${await freePort()}`;
    const host = alice.spawn(['host-session', 'plan.txt', '--listen', '127.0.0.1:0', '--advertise', refused], { env });
    const id = await host.sessionId();
    // The row while the session is open (the server drops the encrypted key when it closes).
    const row = (await sessionRow(`sqlite:${path.join(server.dataDir, 'sft.sqlite')}`, id))!;
    const joined = await bob.run(['join', id, '--out', 'in'], { env });
    const hosted = await host.done;
    expectExit(joined, 0);
    expectExit(hosted, 0);
    expect(joined.stderr).toMatch(/Connected through the relay/);
    expect(await fs.readFile(path.join(bob.dir, 'in', 'plan.txt'))).toEqual(SECRET);

    // What the relay forwarded: TLS records only, a ClientHello first from the joiner, and no piece of the file.
    const fromHost = tlsRecords(Buffer.concat(forwarded.host));
    const fromJoiner = tlsRecords(Buffer.concat(forwarded.joiner));
    expect(fromJoiner[0].type).toBe(RECORD.handshake);
    expect(fromHost[0].type).toBe(RECORD.handshake);
    for (const stream of [forwarded.host, forwarded.joiner]) expect(containsAnyPieceOf(Buffer.concat(stream), SECRET)).toBe(false);
    const hostData = fromHost.filter((r) => r.type === RECORD.applicationData);
    expect(hostData.reduce((sum, r) => sum + r.body.length, 0)).toBeGreaterThan(SECRET.length);

    // The peers' secrets for this TLS session: the ClientHello's random names it in the key log.
    const clientRandom = fromJoiner[0].body.subarray(6, 38).toString('hex');
    const logged = (await fs.readFile(keylog, 'utf8')).split('\n').map((l) => l.split(' '));
    const peerSecret = (label: string) => {
      const entry = logged.find(([name, random]) => name === label && random === clientRandom);
      if (!entry) throw new Error(`no ${label} for the peers' TLS session in the key log`);
      return Buffer.from(entry[2], 'hex');
    };

    // Under the peers' TLS (opened with their own secrets): frames, the file only as sealed chunks.
    const underTls = applicationData(fromHost, peerSecret('SERVER_HANDSHAKE_TRAFFIC_SECRET'), peerSecret('SERVER_TRAFFIC_SECRET_0'));
    applicationData(fromJoiner, peerSecret('CLIENT_HANDSHAKE_TRAFFIC_SECRET'), peerSecret('CLIENT_TRAFFIC_SECRET_0'));
    const frames: Frame[] = new FrameDecoder().push(underTls);
    expect(frames.some((f) => f.type === FrameType.Hello)).toBe(true);
    const chunks = frames.filter((f) => f.type === FrameType.Chunk).map((f) => f.payload);
    expect(chunks).toHaveLength(1);
    expect(containsAnyPieceOf(underTls, SECRET)).toBe(false);

    // Everything the server and the relay hold.
    const masterKey = Buffer.from((await fs.readFile(path.join(server.dataDir, 'master.key'), 'utf8')).trim(), 'base64');
    const sessionKey = new SessionKeyCipher({ masterKey } as AppSecrets).decrypt(String(row.id), String(row.encrypted_key));
    const ticketSeed = Buffer.from((await fs.readFile(path.join(server.dataDir, 'relay-ticket.key'), 'utf8')).trim(), 'base64');
    const ticket = issueTicket(
      { sid: id, role: 'host', relay: relay.url, cap: 1 << 20, acct: 'a', exp: Math.floor(Date.now() / 1000) + 60 },
      privateKeyFromSeed(ticketSeed),
    ).text;
    const relayTlsKey = await fs.readFile(path.join(server.dataDir, 'tls', 'server-key.pem'));
    const held = [sessionKey, masterKey, ticketSeed, Buffer.from(ticket), relayTlsKey, Buffer.from(String(row.encrypted_key))];
    for (const secret of held) {
      for (const record of [...hostData.slice(0, 8), ...fromJoiner.filter((r) => r.type === RECORD.applicationData).slice(0, 8)]) {
        for (let seq = 0; seq < 8; seq++) expect(openRecord(record, secret, seq)).toBeNull();
      }
    }
    // And the stolen session key does not open the sealed chunk either.
    expect(() => new ChunkOpener(sessionKey, id, 0, SECRET.length).open(chunks[0])).toThrow(expect.objectContaining({ code: 'integrity' }));
  }, 120_000);
});
