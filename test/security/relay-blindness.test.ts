/**
 * The relay stays blind (issue 12), as far as phase 1 goes: a whole transfer runs through a real
 * relay (started by a real server, tickets over HTTPS) and everything that enters and leaves the
 * relay's pipe — recorded at the host's end of it, i.e. exactly the bytes the relay forwards once it
 * has taken off its own TLS — is a stream of TLS records of the peers' own TLS 1.3 session: a
 * handshake, then only encrypted application data, and no trace of the file. (What the frames under
 * that TLS would give someone holding the server's keys is test/security/recorded-transfer.test.ts.)
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEphemeralCert, type KeyAndCert } from '../../certs/src/x509';
import { connectRelay, securePinnedOverRelay } from '../../client/src/peer/relay-connector';
import { receiveFiles, sendFiles } from '../../client/src/transfer';
import { registerAndLogin } from '../../server/test/support/accounts';
import { createSession, peerCertificate } from '../../server/test/support/sessions';
import { startTestServer, type TestServer } from '../../server/test/support/test-server';
import { makeContexts, makeParty } from '../support/hostile-peer/parties';

const SECRET = Buffer.from('MEET AT THE NORTH GATE AT NOON. '.repeat(64)); // 2 KiB, easy to spot
const TLS_CONTENT_TYPES = { changeCipherSpec: 0x14, alert: 0x15, handshake: 0x16, applicationData: 0x17 };

/** A pass-through in front of the relay pipe that keeps a copy of each direction. */
function recording(pipe: Duplex): { tap: Duplex; sent: Buffer[]; received: Buffer[] } {
  const sent: Buffer[] = [];
  const received: Buffer[] = [];
  const tap = new Duplex({
    write(chunk: Buffer, _encoding, callback) {
      sent.push(Buffer.from(chunk));
      pipe.write(chunk, callback);
    },
    final(callback) {
      pipe.end();
      callback();
    },
    read() {
      pipe.resume();
    },
    destroy(error, callback) {
      pipe.destroy();
      callback(error);
    },
  });
  pipe.on('data', (chunk: Buffer) => {
    received.push(Buffer.from(chunk));
    if (!tap.push(chunk)) pipe.pause();
  });
  pipe.once('end', () => tap.push(null));
  pipe.on('error', (error) => tap.destroy(error));
  return { tap, sent, received };
}

/** Splits a byte stream into TLS records; throws if it is anything else. */
function tlsRecords(stream: Buffer): { type: number; length: number }[] {
  const records: { type: number; length: number }[] = [];
  for (let at = 0; at < stream.length;) {
    if (at + 5 > stream.length) throw new Error(`a partial record header at ${at}`);
    const type = stream[at];
    const version = stream.readUInt16BE(at + 1);
    const length = stream.readUInt16BE(at + 3);
    if (!Object.values(TLS_CONTENT_TYPES).includes(type) || (version !== 0x0303 && version !== 0x0301) || length > 16384 + 256) {
      throw new Error(`not a TLS record at ${at}: type ${type}, version ${version.toString(16)}, length ${length}`);
    }
    records.push({ type, length });
    at += 5 + length;
    if (at > stream.length) throw new Error('a truncated record');
  }
  return records;
}

function containsAnyPieceOf(haystack: Buffer, needle: Buffer, piece = 32): boolean {
  for (let at = 0; at + piece <= needle.length; at += piece) {
    if (haystack.includes(needle.subarray(at, at + piece))) return true;
  }
  return false;
}

describe('what the relay forwards', () => {
  let t: TestServer;
  let dir: string;
  let hostCert: KeyAndCert;
  let joinerCert: KeyAndCert;

  beforeAll(async () => {
    t = await startTestServer({ options: { relayPort: 0 } });
    dir = await mkdtemp(join(tmpdir(), 'sft-relay-blind-'));
    [hostCert, joinerCert] = await Promise.all([makeEphemeralCert('host'), makeEphemeralCert('joiner')]);
  });
  afterAll(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is only the peers\' TLS 1.3 records: a handshake, then encrypted data, and no byte of the file', async () => {
    const [alice, bob] = await Promise.all(['alice', 'bob'].map((name) => registerAndLogin(t.api, name)));
    const file = join(dir, 'secret.txt');
    await writeFile(file, Buffer.concat(Array.from({ length: 512 }, () => SECRET))); // 1 MiB
    const created = await createSession(t.api, alice, { files: [{ name: 'secret.txt', size: 1024 * 1024 }] });
    await t.api.post(`/sessions/${created.session.id}/join`, { token: bob.token, body: { certificate: (await peerCertificate('j')).certPem } });
    const ticket = async (token: string) => (await t.api.post(`/sessions/${created.session.id}/relay-ticket`, { token })).body.ticket as string;
    const [hostPipe, joinerPipe] = await Promise.all([
      connectRelay({ relayUrl: t.server.relayUrl!, ticket: await ticket(alice.token), ca: t.caPem }),
      connectRelay({ relayUrl: t.server.relayUrl!, ticket: await ticket(bob.token), ca: t.caPem }),
    ]);
    const recorded = recording(hostPipe);
    const [host, joiner] = await Promise.all([
      securePinnedOverRelay({ socket: recorded.tap, role: 'host', own: hostCert, peer: { certificatePem: joinerCert.certPem, fingerprint: joinerCert.fingerprint } }),
      securePinnedOverRelay({ socket: joinerPipe, role: 'joiner', own: joinerCert, peer: { certificatePem: hostCert.certPem, fingerprint: hostCert.fingerprint } }),
    ]);
    const c = makeContexts(makeParty('alice', hostCert.fingerprint), makeParty('bob', joinerCert.fingerprint));
    await Promise.all([sendFiles(host, c.sender, [file]), receiveFiles(joiner, c.receiver, { outDir: join(dir, 'out') })]);
    expect((await readFile(join(dir, 'out', 'secret.txt'))).equals(await readFile(file))).toBe(true);
    host.destroy();
    joiner.destroy();

    const toJoiner = Buffer.concat(recorded.sent);
    const toHost = Buffer.concat(recorded.received);
    expect(toJoiner.length).toBeGreaterThan(1024 * 1024); // the file went this way
    for (const stream of [toJoiner, toHost]) {
      const records = tlsRecords(stream);
      expect(records[0].type).toBe(TLS_CONTENT_TYPES.handshake);
      // TLS 1.3: after the hellos everything is application data (plus at most a compatibility ChangeCipherSpec).
      const afterHello = records.slice(1).filter((r) => r.type !== TLS_CONTENT_TYPES.changeCipherSpec);
      expect(afterHello.every((r) => r.type === TLS_CONTENT_TYPES.applicationData || r.type === TLS_CONTENT_TYPES.alert)).toBe(true);
      expect(containsAnyPieceOf(stream, SECRET)).toBe(false);
      expect(stream.includes(Buffer.from('secret.txt'))).toBe(false);
    }
  });
});
