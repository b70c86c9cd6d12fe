/**
 * The client end of the relay: a real server (HTTPS, SQLite) with its relay, tickets from the API,
 * the relay line, then the peers' pinned TLS 1.3 over the relayed pipe and a whole transfer through it.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCa, makeEphemeralCert, type KeyAndCert } from '../../../certs/src/x509';
import { registerAndLogin, type TestAccount } from '../../../server/test/support/accounts';
import { createSession, peerCertificate } from '../../../server/test/support/sessions';
import { startTestServer, type TestServer } from '../../../server/test/support/test-server';
import { connectRelay, securePinnedOverRelay } from '../../src/peer/relay-connector';
import type { PeerCertificate } from '../../src/peer';
import { receiveFiles, sendFiles } from '../../src/transfer';
import { withTempDir } from '../../../test/support/hostile-peer/fs-snapshot';
import { makeContexts, makeParty } from '../../../test/support/hostile-peer/parties';

const asPeer = (c: KeyAndCert): PeerCertificate => ({ certificatePem: c.certPem, fingerprint: c.fingerprint });

describe(connectRelay.name, () => {
  let t: TestServer;
  let alice: TestAccount;
  let bob: TestAccount;
  let hostCert: KeyAndCert;
  let joinerCert: KeyAndCert;
  let strangerCert: KeyAndCert;

  beforeAll(async () => {
    t = await startTestServer({ options: { relayPort: 0 } });
    [alice, bob] = await Promise.all(['alice', 'bob'].map((name) => registerAndLogin(t.api, name)));
    [hostCert, joinerCert, strangerCert] = await Promise.all(['host', 'joiner', 'stranger'].map((n) => makeEphemeralCert(n)));
  });
  afterAll(async () => {
    await t?.close();
  });

  async function tickets(): Promise<{ host: string; joiner: string }> {
    const created = await createSession(t.api, alice, { files: [{ name: 'big.bin', size: 20 * 1024 * 1024 }] });
    const { certPem } = await peerCertificate('joiner');
    await t.api.post(`/sessions/${created.session.id}/join`, { token: bob.token, body: { certificate: certPem } });
    const ticket = async (account: TestAccount) =>
      (await t.api.post(`/sessions/${created.session.id}/relay-ticket`, { token: account.token })).body.ticket as string;
    return { host: await ticket(alice), joiner: await ticket(bob) };
  }

  const relayUrl = () => t.server.relayUrl!;

  it('runs the pinned TLS 1.3 link over the relay and moves a ~20 MiB file byte-exact', async () => {
    const { host: hostTicket, joiner: joinerTicket } = await tickets();
    const [hostPipe, joinerPipe] = await Promise.all([
      connectRelay({ relayUrl: relayUrl(), ticket: hostTicket, ca: t.caPem }),
      connectRelay({ relayUrl: relayUrl(), ticket: joinerTicket, ca: t.caPem }),
    ]);
    const [host, joiner] = await Promise.all([
      securePinnedOverRelay({ socket: hostPipe, role: 'host', own: hostCert, peer: asPeer(joinerCert) }),
      securePinnedOverRelay({ socket: joinerPipe, role: 'joiner', own: joinerCert, peer: asPeer(hostCert) }),
    ]);
    expect(host.getProtocol()).toBe('TLSv1.3');
    expect(joiner.getProtocol()).toBe('TLSv1.3');
    await withTempDir(async (dir) => {
      const data = randomBytes(20 * 1024 * 1024 - 777);
      await writeFile(join(dir, 'big.bin'), data);
      const c = makeContexts(makeParty('alice', hostCert.fingerprint), makeParty('bob', joinerCert.fingerprint));
      const [sent, received] = await Promise.all([
        sendFiles(host, c.sender, [join(dir, 'big.bin')]),
        receiveFiles(joiner, c.receiver, { outDir: join(dir, 'out') }),
      ]);
      expect((await readFile(join(dir, 'out', 'big.bin'))).equals(data)).toBe(true);
      expect(received.files[0].sha256).toBe(sent.files[0].sha256);
    });
    host.destroy();
    joiner.destroy();
  });

  it('refuses a peer whose certificate is not the pinned one before a file byte moves', async () => {
    const { host: hostTicket, joiner: joinerTicket } = await tickets();
    const [hostPipe, joinerPipe] = await Promise.all([
      connectRelay({ relayUrl: relayUrl(), ticket: hostTicket, ca: t.caPem }),
      connectRelay({ relayUrl: relayUrl(), ticket: joinerTicket, ca: t.caPem }),
    ]);
    const outcome = await Promise.allSettled([
      securePinnedOverRelay({ socket: hostPipe, role: 'host', own: hostCert, peer: asPeer(joinerCert), timeoutMs: 10_000 }),
      securePinnedOverRelay({ socket: joinerPipe, role: 'joiner', own: strangerCert, peer: asPeer(hostCert), timeoutMs: 10_000 }),
    ]);
    expect(outcome[0]).toMatchObject({ status: 'rejected', reason: { code: 'tls' } });
    // In TLS 1.3 the client may finish its side before the server has checked the client's certificate:
    // then the stranger's link is closed by the host's refusal without a byte.
    if (outcome[1].status === 'fulfilled') {
      const stranger = outcome[1].value;
      let bytes = 0;
      stranger.on('data', (d: Buffer) => (bytes += d.length));
      await new Promise((resolve) => stranger.once('close', resolve));
      expect(bytes).toBe(0);
    }
  });

  it("says what the relay refused, as an 'unreachable' error", async () => {
    const { host } = await tickets();
    const first = connectRelay({ relayUrl: relayUrl(), ticket: host, ca: t.caPem, timeoutMs: 10_000 });
    first.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(connectRelay({ relayUrl: relayUrl(), ticket: host, ca: t.caPem })).rejects.toMatchObject({
      code: 'unreachable',
      message: expect.stringMatching(/The relay at 127\.0\.0\.1:\d+ refused: ticket already used\./),
    });
  });

  it('does not trust a relay whose certificate another CA issued', async () => {
    const otherCa = await makeCa('some other CA');
    const { host } = await tickets();
    await expect(connectRelay({ relayUrl: relayUrl(), ticket: host, ca: otherCa.certPem })).rejects.toMatchObject({ code: 'tls' });
  });

  it('times out when the other side never comes', async () => {
    const { host } = await tickets();
    await expect(connectRelay({ relayUrl: relayUrl(), ticket: host, ca: t.caPem, timeoutMs: 500 })).rejects.toMatchObject({
      code: 'unreachable',
      message: expect.stringMatching(/did not pair us with the peer in time/),
    });
  });
});
