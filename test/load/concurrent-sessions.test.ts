/**
 * Load: 50 sessions at once through one real server (HTTPS API, SQLite), each moving a small file
 * directly between two peers over real pinned TLS (listenForPeer / dialPeer, sendFiles / receiveFiles),
 * both sides reporting. Every file must arrive byte-exact and every session close `completed`.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEphemeralCert } from '../../certs/src/x509';
import { dialPeer, listenForPeer } from '../../client/src/peer';
import type { PeerCertificate } from '../../client/src/peer/types';
import { receiveFiles, sendFiles, type TransferParty } from '../../client/src/transfer';
import { registerAndLogin, type TestAccount } from '../../server/test/support/accounts';
import { startTestServer, type TestServer } from '../../server/test/support/test-server';

const SESSIONS = 50;
const PAIRS = 5;

interface Person extends TestAccount {
  identity: Required<Pick<TransferParty, 'identityPrivateKey' | 'identityPublicKey'>>;
}

describe('50 concurrent sessions through one server', () => {
  let t: TestServer;
  let work: string;
  let hosts: Person[];
  let joiners: Person[];

  beforeAll(async () => {
    t = await startTestServer();
    work = mkdtempSync(join(tmpdir(), 'sft-load-'));
    const person = async (name: string): Promise<Person> => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      return { ...(await registerAndLogin(t.api, name)), identity: { identityPrivateKey: privateKey, identityPublicKey: publicKey } };
    };
    const indexes = Array.from({ length: PAIRS }, (_, i) => i);
    [hosts, joiners] = await Promise.all([Promise.all(indexes.map((i) => person(`host${i}`))), Promise.all(indexes.map((i) => person(`joiner${i}`)))]);
  });
  afterAll(async () => {
    await t?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** One whole session: create, join, direct transfer, both reports. Returns what arrived and the final state. */
  async function oneSession(n: number): Promise<{ sent: Buffer; received: Buffer; state: string }> {
    const host = hosts[n % PAIRS];
    const joiner = joiners[n % PAIRS];
    const sent = randomBytes(16 * 1024 + n * 97);
    const source = join(work, `source-${n}.bin`);
    await writeFile(source, sent);

    const hostCert = await makeEphemeralCert(`load host ${n}`);
    let joinerCertificate!: (cert: PeerCertificate) => void;
    const expectedPeer = new Promise<PeerCertificate>((resolve) => (joinerCertificate = resolve));
    const listener = await listenForPeer({ host: '127.0.0.1', port: 0, own: hostCert, expectedPeer });
    try {
      const created = await t.api.post('/sessions', {
        token: host.token,
        body: { direction: 'host-sends', invitee: joiner.username, endpoint: { host: '127.0.0.1', port: listener.port }, certificate: hostCert.certPem },
      });
      expect(created.status).toBe(201);
      const id = created.body.session.id as string;

      const joinerCert = await makeEphemeralCert(`load joiner ${n}`);
      const joined = await t.api.post(`/sessions/${id}/join`, { token: joiner.token, body: { certificate: joinerCert.certPem } });
      expect(joined.status).toBe(200);
      const view = joined.body.session;

      const hostSide = (async () => {
        const seen = await t.api.get(`/sessions/${id}/wait?state=waiting&timeout=10`, { token: host.token });
        joinerCertificate({ certificatePem: seen.body.joinerCertificate, fingerprint: seen.body.joinerFingerprint });
        const socket = await listener.accept(20_000);
        const summary = await sendFiles(socket, {
          sessionId: id,
          sessionKey: Buffer.from(created.body.key, 'base64'),
          self: { username: host.username, ...host.identity, tlsFingerprint: hostCert.fingerprint },
          peer: { username: joiner.username, identityPublicKey: joiner.identity.identityPublicKey, tlsFingerprint: seen.body.joinerFingerprint },
        }, [source]);
        return t.api.post(`/sessions/${id}/report`, { token: host.token, body: { role: 'sender', bytes: summary.bytes, files: summary.files, verified: true } });
      })();
      const joinerSide = (async () => {
        const socket = await dialPeer({
          host: view.endpoint.host,
          port: view.endpoint.port,
          own: joinerCert,
          peer: { certificatePem: view.hostCertificate, fingerprint: view.hostFingerprint },
        });
        const summary = await receiveFiles(socket, {
          sessionId: id,
          sessionKey: Buffer.from(joined.body.key, 'base64'),
          self: { username: joiner.username, ...joiner.identity, tlsFingerprint: joinerCert.fingerprint },
          peer: { username: host.username, identityPublicKey: host.identity.identityPublicKey, tlsFingerprint: view.hostFingerprint },
        }, { outDir: join(work, `out-${n}`) });
        const files = summary.files.map(({ name, size, crc32, sha256 }) => ({ name, size, crc32, sha256 }));
        return t.api.post(`/sessions/${id}/report`, { token: joiner.token, body: { role: 'receiver', bytes: summary.bytes, files, verified: true } });
      })();
      const reports = await Promise.all([hostSide, joinerSide]);
      for (const report of reports) expect(report.status).toBe(200);
      const final = await t.api.get(`/sessions/${id}`, { token: host.token });
      return { sent, received: await readFile(join(work, `out-${n}`, `source-${n}.bin`)), state: final.body.state };
    } finally {
      await listener.close();
    }
  }

  it('completes every session, each file byte-exact', async () => {
    const results = await Promise.all(Array.from({ length: SESSIONS }, (_, n) => oneSession(n)));
    expect(results).toHaveLength(SESSIONS);
    for (const { sent, received, state } of results) {
      expect(received.equals(sent)).toBe(true);
      expect(state).toBe('completed');
    }
    const listed = await t.api.get('/sessions', { token: hosts[0].token });
    expect(listed.body.filter((s: { state: string }) => s.state === 'completed')).toHaveLength(SESSIONS / PAIRS);
  }, 60_000);
});
