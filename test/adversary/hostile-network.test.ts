/**
 * The real peer link (listenForPeer / dialPeer, TLS 1.3 on loopback) and a real transfer over it,
 * against strangers, slowloris connections, a man in the middle and connections that drop or stall.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeEphemeralCert, type KeyAndCert } from '../../certs/src/x509';
import { dialPeer, listenForPeer, PeerLinkError, type PeerCertificate, type PeerListener } from '../../client/src/peer';
import { receiveFiles, sendFiles } from '../../client/src/transfer';
import { snapshotTree, withArena } from '../support/hostile-peer/fs-snapshot';
import { openSlowConnections, startCutter, startMitmProxy, strangerConnect, type Relay, type SlowConnections } from '../support/hostile-peer/network';
import { makeContexts, makeParty } from '../support/hostile-peer/parties';

let hostCert: KeyAndCert;
let joinerCert: KeyAndCert;
let strangerCert: KeyAndCert;
const asPeer = (c: KeyAndCert): PeerCertificate => ({ certificatePem: c.certPem, fingerprint: c.fingerprint });
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  [hostCert, joinerCert, strangerCert] = await Promise.all([makeEphemeralCert('host'), makeEphemeralCert('joiner'), makeEphemeralCert('mallory')]);
});

afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function hostListener(handshakeTimeoutMs = 5000): Promise<PeerListener> {
  const listener = await listenForPeer({ host: '127.0.0.1', port: 0, own: hostCert, expectedPeer: Promise.resolve(asPeer(joinerCert)), handshakeTimeoutMs });
  cleanups.push(() => listener.close());
  return listener;
}

function dial(port: number, timeoutMs = 5000): Promise<TLSSocket> {
  const dialing = dialPeer({ host: '127.0.0.1', port, own: joinerCert, peer: asPeer(hostCert), timeoutMs });
  dialing.then((s) => cleanups.push(() => s.destroy()), () => undefined);
  return dialing;
}

function track<T extends Relay | SlowConnections>(thing: T): T {
  cleanups.push(() => thing.close());
  return thing;
}

/** Contexts bound to the real link certificates: the host (alice) sends, the joiner (bob) receives. */
const linkContexts = () => makeContexts(makeParty('alice', hostCert.fingerprint), makeParty('bob', joinerCert.fingerprint));

/** Host sends `data` as one file over `host`; the joiner receives over `joiner` into `outDir`. */
async function transferOver(host: TLSSocket, joiner: TLSSocket, file: string, outDir: string, idleTimeoutMs = 5000) {
  const c = linkContexts();
  return Promise.allSettled([
    sendFiles(host, c.sender, [file], {}, { idleTimeoutMs }),
    receiveFiles(joiner, c.receiver, { outDir, idleTimeoutMs }),
  ]);
}

describe(`${listenForPeer.name} against strangers`, () => {
  it('refuses a stranger who connects first, before sending it any byte', async () => {
    const listener = await hostListener();
    listener.accept(5000).then((s) => cleanups.push(() => s.destroy()), () => undefined);
    const outcome = await strangerConnect(listener.port, strangerCert, hostCert.certPem);
    expect(outcome.bytes).toBe(0);
  });

  it('still lets the real peer through after a stranger was refused, and the transfer completes', async () => {
    await withArena(async (arena) => {
      const listener = await hostListener();
      const accepting = listener.accept(5000);
      await strangerConnect(listener.port, strangerCert, hostCert.certPem);
      const [host, joiner] = await Promise.all([accepting, dial(listener.port)]);
      const data = randomBytes(300_000);
      await writeFile(join(arena.outside, 'send.bin'), data);
      const [sent, received] = await transferOver(host, joiner, join(arena.outside, 'send.bin'), arena.outDir);
      expect(sent.status).toBe('fulfilled');
      expect(received.status).toBe('fulfilled');
      expect((await readFile(join(arena.outDir, 'send.bin'))).equals(data)).toBe(true);
    });
  });

  it('lets the real peer through while 1,000 half-open and slowloris connections hold the listener', async () => {
    const listener = await hostListener(30_000); // the default budget: a connection that never finishes TLS is held this long
    const slow = track(openSlowConnections(listener.port, 1000, { dripMs: 200 }));
    await new Promise((r) => setTimeout(r, 300));
    expect(slow.made()).toBe(1000);
    const [host, joiner] = await Promise.all([listener.accept(8000), dial(listener.port, 8000)]);
    expect(host.authorized).toBe(true);
    expect(joiner.authorized).toBe(true);
  }, 20_000);
});

describe(`the peer link against a man in the middle`, () => {
  it('is refused by the joiner when the MITM presents its own certificate, before any byte reaches the host', async () => {
    const listener = await hostListener();
    let hostAccepted = false;
    listener.accept(3000).then((s) => {
      hostAccepted = true;
      s.destroy();
    }, () => undefined);
    const mitm = track(await startMitmProxy({ targetPort: listener.port, own: strangerCert, targetCertPem: hostCert.certPem }));
    const error = await dial(mitm.port, 3000).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(PeerLinkError);
    expect(error).toMatchObject({ code: 'tls' });
    expect(mitm.seen).toEqual({ fromClient: 0, fromServer: 0 });
    expect(hostAccepted).toBe(false);
  });

  it('is refused by the host when the MITM dials it with its own certificate, and the host sends it nothing', async () => {
    const listener = await hostListener();
    const accepting = listener.accept(5000);
    const outcome = await strangerConnect(listener.port, strangerCert, hostCert.certPem, Buffer.from('{"type":"HELLO"}'));
    expect(outcome.bytes).toBe(0);
    const [host] = await Promise.all([accepting, dial(listener.port)]);
    expect(host.authorized).toBe(true);
  });
});

describe('a transfer over a link that fails halfway', () => {
  it('leaves no partial file and a clear "peer_closed" error when the connection drops', async () => {
    await withArena(async (arena) => {
      await writeFile(join(arena.outside, 'big.bin'), randomBytes(4 * 1024 * 1024));
      const listener = await hostListener();
      const cutter = track(await startCutter({ targetPort: listener.port, cutAfter: 1024 * 1024, mode: 'drop' }));
      const before = await snapshotTree(arena.outDir);
      const [host, joiner] = await Promise.all([listener.accept(5000), dial(cutter.port)]);
      const [, received] = await transferOver(host, joiner, join(arena.outside, 'big.bin'), arena.outDir);
      expect(received).toMatchObject({ status: 'rejected', reason: { code: 'peer_closed' } });
      expect(await snapshotTree(arena.outDir)).toEqual(before);
    });
  });

  it('leaves no partial file and times out when the connection stalls', async () => {
    await withArena(async (arena) => {
      await writeFile(join(arena.outside, 'big.bin'), randomBytes(4 * 1024 * 1024));
      const listener = await hostListener();
      const cutter = track(await startCutter({ targetPort: listener.port, cutAfter: 1024 * 1024, mode: 'stall' }));
      const before = await snapshotTree(arena.outDir);
      const [host, joiner] = await Promise.all([listener.accept(5000), dial(cutter.port)]);
      const [sent, received] = await transferOver(host, joiner, join(arena.outside, 'big.bin'), arena.outDir, 500);
      expect(received).toMatchObject({ status: 'rejected', reason: { code: 'timeout' } });
      expect(sent).toMatchObject({ status: 'rejected', reason: { code: 'timeout' } });
      expect(await snapshotTree(arena.outDir)).toEqual(before);
    });
  });
});
