/**
 * Trust model, passive server / stolen database (issue 7): a transfer is recorded on the wire — the
 * raw TCP bytes between the peers and, stronger, the frame stream under TLS — and the session key the
 * server stored (read from its database, decrypted with the master key from its data dir) decrypts
 * none of it. The file key the peers derived does (so the test can fail).
 */
import { hkdfSync, createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeEphemeralCert } from '../../certs/src/x509';
import { generateIdentity, privateKeyFromPem, publicKeyFromBase64 } from '../../client/src/crypto/identity';
import { lengthPrefixed } from '../../client/src/crypto/encoding';
import { dialPeer, listenForPeer } from '../../client/src/peer';
import { FrameDecoder, FrameType, type Frame } from '../../client/src/protocol';
import { receiveFiles, sendFiles, type TransferContext } from '../../client/src/transfer';
import { ChunkOpener } from '../../client/src/transfer/chunk-cipher';
import type { AppSecrets } from '../../server/src/config/app-secrets';
import { SessionKeyCipher } from '../../server/src/sessions/session-key-cipher';
import { registerAndLogin } from '../../server/test/support/accounts';
import { sessionRow } from '../../server/test/support/db-rows';
import { startTestServer, type TestServer } from '../../server/test/support/test-server';

/** Every file key the handshake derives in this process, copied before the transfer wipes it. */
const derived = vi.hoisted(() => ({ fileKeys: [] as Buffer[] }));
vi.mock('../../client/src/crypto/handshake', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../client/src/crypto/handshake')>();
  return {
    ...original,
    deriveSecrets: (p: Parameters<typeof original.deriveSecrets>[0]) => {
      const secrets = original.deriveSecrets(p);
      derived.fileKeys.push(Buffer.from(secrets.fileKey));
      return secrets;
    },
  };
});

const SECRET = Buffer.from('MEET AT THE NORTH GATE AT NOON. '.repeat(64)); // 2 KiB, easy to spot

let server: TestServer;
let dir: string;

beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'sft-security-'));
});

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A TCP relay that forwards to `port` and records every byte in both directions. */
async function recordingRelay(port: number): Promise<{ port: number; bytes: Buffer[]; close(): void }> {
  const bytes: Buffer[] = [];
  const sockets: Socket[] = [];
  const relay: Server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    sockets.push(client, upstream);
    client.on('data', (chunk: Buffer) => bytes.push(chunk));
    upstream.on('data', (chunk: Buffer) => bytes.push(chunk));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const address = relay.address() as { port: number };
  return { port: address.port, bytes, close: () => (relay.close(), sockets.forEach((s) => s.destroy())) };
}

async function userWithKey(name: string) {
  const account = await registerAndLogin(server.api, name);
  const identity = generateIdentity();
  const put = await server.api.put('/users/me/signing-key', { token: account.token, body: { publicKey: identity.publicKeyBase64 } });
  expect(put.status).toBe(200);
  return { account, identity };
}

describe('a transfer recorded on the wire', () => {
  it('cannot be decrypted with the session key from the server database, but can with the peers\' file key', async () => {
    const alice = await userWithKey('alice');
    const bob = await userWithKey('bob');
    const aliceCert = await makeEphemeralCert('sft alice');
    const bobCert = await makeEphemeralCert('sft bob');
    // Bob listens and alice dials: a dialed socket reads through its read tap (no 'data' events), an
    // accepted one emits 'data', which is where this test listens in on what bob's side reads.
    const listener = await listenForPeer({
      host: '127.0.0.1',
      port: 0,
      own: bobCert,
      expectedPeer: Promise.resolve({ certificatePem: aliceCert.certPem, fingerprint: aliceCert.fingerprint }),
    });
    const relay = await recordingRelay(listener.port);

    // The session, through the real server: alice hosts, bob joins; both get the session key.
    const created = await server.api.post('/sessions', {
      token: alice.account.token,
      body: { direction: 'host-sends', invitee: 'bob', endpoint: { host: '127.0.0.1', port: relay.port }, certificate: aliceCert.certPem },
    });
    expect(created.status).toBe(201);
    const sessionId: string = created.body.session.id;
    const joined = await server.api.post(`/sessions/${sessionId}/join`, { token: bob.account.token, body: { certificate: bobCert.certPem } });
    expect(joined.status).toBe(200);

    // What a stolen database plus the data dir give: the stored session key, decrypted with the master key.
    const row = (await sessionRow(server.dbUrl, sessionId))!;
    const masterKey = Buffer.from((await readFile(join(server.dataDir, 'master.key'), 'utf8')).trim(), 'base64');
    const stolenKey = new SessionKeyCipher({ masterKey } as AppSecrets).decrypt(String(row.id), String(row.encrypted_key));
    expect(stolenKey.toString('base64')).toBe(created.body.key); // the test really holds the server's key
    expect(joined.body.key).toBe(created.body.key);

    const context = (self: typeof alice, selfCert: typeof aliceCert, peer: typeof alice, peerCert: typeof aliceCert): TransferContext => ({
      sessionId,
      sessionKey: Buffer.from(created.body.key, 'base64'),
      self: {
        username: self.account.username,
        identityPrivateKey: privateKeyFromPem(self.identity.privateKeyPem),
        identityPublicKey: publicKeyFromBase64(self.identity.publicKeyBase64),
        tlsFingerprint: selfCert.fingerprint,
      },
      peer: { username: peer.account.username, identityPublicKey: publicKeyFromBase64(peer.identity.publicKeyBase64), tlsFingerprint: peerCert.fingerprint },
    });

    await writeFile(join(dir, 'plan.txt'), SECRET);
    const accepting = listener.accept(10_000);
    const aliceSocket = await dialPeer({ host: '127.0.0.1', port: relay.port, own: aliceCert, peer: { certificatePem: bobCert.certPem, fingerprint: bobCert.fingerprint } });
    const bobSocket = await accepting;
    // The frame stream under TLS, as bob's side reads it: what an attacker who also broke TLS would see.
    const underTls: Frame[] = [];
    const decoder = new FrameDecoder();
    bobSocket.on('data', (chunk: Buffer) => underTls.push(...decoder.push(chunk)));
    derived.fileKeys.length = 0;
    await Promise.all([
      sendFiles(aliceSocket, context(alice, aliceCert, bob, bobCert), [join(dir, 'plan.txt')]),
      receiveFiles(bobSocket, context(bob, bobCert, alice, aliceCert), { outDir: join(dir, 'out') }),
    ]);
    relay.close();
    await listener.close();
    expect(await readFile(join(dir, 'out', 'plan.txt'))).toEqual(SECRET);

    // On the wire: TLS only, no plaintext.
    const wire = Buffer.concat(relay.bytes);
    expect(wire.length).toBeGreaterThan(SECRET.length);
    expect(wire.includes(SECRET.subarray(0, 32))).toBe(false);

    // Under TLS: sealed chunks that the server's key opens in no way an attacker could try.
    const chunks = underTls.filter((f) => f.type === FrameType.Chunk).map((f) => f.payload);
    expect(chunks).toHaveLength(1);
    const hellos = underTls.filter((f) => f.type === FrameType.Hello).map((f) => f.payload);
    expect(hellos).toHaveLength(1); // alice's HELLO (bob's went the other way): with bob's own, the full transcript
    const open = (key: Buffer) => new ChunkOpener(key, sessionId, 0, SECRET.length).open(chunks[0]);
    const info = lengthPrefixed('sft/v1/file-key', sessionId, 'alice', 'bob');
    const salts = [Buffer.alloc(32), createHash('sha256').update(hellos[0]).digest()];
    const guesses = [
      stolenKey,
      ...salts.map((salt) => Buffer.from(hkdfSync('sha256', stolenKey, salt, info, 32))),
      ...salts.map((salt) => Buffer.from(hkdfSync('sha256', Buffer.concat([stolenKey, Buffer.alloc(32)]), salt, info, 32))),
    ];
    for (const key of guesses) expect(() => open(key)).toThrow(expect.objectContaining({ code: 'integrity' }));

    // The peers' file key (session key + X25519 secret) opens it: the check above can fail.
    expect(derived.fileKeys).toHaveLength(2);
    expect(derived.fileKeys[0]).toEqual(derived.fileKeys[1]);
    expect(derived.fileKeys[0]).not.toEqual(stolenKey);
    expect(open(derived.fileKeys[0])).toEqual(SECRET);
  });
});
