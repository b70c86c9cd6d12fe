/** The peer link over real loopback TLS 1.3 with pinned ephemeral certificates, and whole transfers over it. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeEphemeralCert, type KeyAndCert } from '../../../certs/src/x509';
import { dialPeer, listenForPeer, type PeerCertificate, type PeerListener } from '../../src/peer';
import { receiveFiles, sendFiles } from '../../src/transfer';
import { listTree, makeContexts, makeParty, withTempDir } from '../../../test/support/hostile-peer';

let hostCert: KeyAndCert;
let joinerCert: KeyAndCert;
let strangerCert: KeyAndCert;
const asPeer = (c: KeyAndCert): PeerCertificate => ({ certificatePem: c.certPem, fingerprint: c.fingerprint });
const listeners: PeerListener[] = [];
const sockets: TLSSocket[] = [];

beforeAll(async () => {
  [hostCert, joinerCert, strangerCert] = await Promise.all([makeEphemeralCert('host'), makeEphemeralCert('joiner'), makeEphemeralCert('stranger')]);
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const l of listeners.splice(0)) await l.close();
});

async function listen(expectedPeer: Promise<PeerCertificate> = Promise.resolve(asPeer(joinerCert))): Promise<PeerListener> {
  const listener = await listenForPeer({ host: '127.0.0.1', port: 0, own: hostCert, expectedPeer, handshakeTimeoutMs: 5000 });
  listeners.push(listener);
  return listener;
}

/** Connects a link: the host accepts, the joiner dials. */
async function link(): Promise<{ host: TLSSocket; joiner: TLSSocket }> {
  const listener = await listen();
  const [host, joiner] = await Promise.all([
    listener.accept(5000),
    dialPeer({ host: '127.0.0.1', port: listener.port, own: joinerCert, peer: asPeer(hostCert), timeoutMs: 5000 }),
  ]);
  sockets.push(host, joiner);
  return { host, joiner };
}

/** Contexts whose TLS fingerprints are the real link certificates (host sends, joiner receives). */
function tlsContexts() {
  return makeContexts(makeParty('alice', hostCert.fingerprint), makeParty('bob', joinerCert.fingerprint));
}

/** Reads what a socket receives until it closes; resolves with the bytes and the error if any. */
function drain(socket: TLSSocket): Promise<{ bytes: number; error?: Error }> {
  return new Promise((resolve) => {
    let bytes = 0;
    let error: Error | undefined;
    socket.on('data', (d: Buffer) => (bytes += d.length));
    socket.on('error', (e) => (error = e));
    socket.on('close', () => resolve({ bytes, error }));
  });
}

describe(listenForPeer.name, () => {
  it('links two peers over TLS 1.3 with each other’s exact certificate', async () => {
    const { host, joiner } = await link();
    expect(host.getProtocol()).toBe('TLSv1.3');
    expect(createHash('sha256').update(host.getPeerCertificate().raw).digest('hex')).toBe(joinerCert.fingerprint);
    expect(createHash('sha256').update(joiner.getPeerCertificate().raw).digest('hex')).toBe(hostCert.fingerprint);
  });

  it('waits for the joiner certificate that arrives after the connection', async () => {
    let announce!: (p: PeerCertificate) => void;
    const listener = await listen(new Promise((r) => (announce = r)));
    const dialing = dialPeer({ host: '127.0.0.1', port: listener.port, own: joinerCert, peer: asPeer(hostCert), timeoutMs: 5000 });
    const accepting = listener.accept(5000);
    setTimeout(() => announce(asPeer(joinerCert)), 50);
    const [host, joiner] = await Promise.all([accepting, dialing]);
    sockets.push(host, joiner);
    expect(host.authorized).toBe(true);
  });

  it('drops a stranger with another certificate and still accepts the real peer', async () => {
    const listener = await listen();
    const accepting = listener.accept(5000);
    const stranger = await dialPeer({ host: '127.0.0.1', port: listener.port, own: strangerCert, peer: asPeer(hostCert), timeoutMs: 5000 });
    sockets.push(stranger);
    const strangerOutcome = drain(stranger);
    stranger.write('hello?');
    const outcome = await strangerOutcome;
    expect(outcome.bytes).toBe(0);
    const joiner = await dialPeer({ host: '127.0.0.1', port: listener.port, own: joinerCert, peer: asPeer(hostCert), timeoutMs: 5000 });
    const host = await accepting;
    sockets.push(joiner, host);
    expect(createHash('sha256').update(host.getPeerCertificate().raw).digest('hex')).toBe(joinerCert.fingerprint);
  });

  it('drops a client that presents no certificate', async () => {
    const listener = await listen();
    const client = connect({ host: '127.0.0.1', port: listener.port, ca: [hostCert.certPem], servername: 'sft-peer', minVersion: 'TLSv1.3', checkServerIdentity: () => undefined });
    sockets.push(client);
    const outcome = await drain(client);
    expect(outcome.bytes).toBe(0);
    await expect(listener.accept(50)).rejects.toMatchObject({ code: 'timeout' });
  });

  it('times out accept() when no peer comes', async () => {
    const listener = await listen();
    await expect(listener.accept(50)).rejects.toMatchObject({ code: 'timeout' });
  });

  it('rejects accept() when the expected certificate does not match its fingerprint', async () => {
    const listener = await listen(Promise.resolve({ certificatePem: joinerCert.certPem, fingerprint: strangerCert.fingerprint }));
    await expect(listener.accept(2000)).rejects.toMatchObject({ code: 'tls' });
  });
});

describe(dialPeer.name, () => {
  it('refuses a host whose certificate is not the pinned one before any byte moves', async () => {
    const listener = await listen();
    let hostSaw = 0;
    listener.accept(5000).then((s) => s.on('data', (d: Buffer) => (hostSaw += d.length)), () => undefined);
    const wrongPin = { certificatePem: strangerCert.certPem, fingerprint: strangerCert.fingerprint };
    await expect(dialPeer({ host: '127.0.0.1', port: listener.port, own: joinerCert, peer: wrongPin, timeoutMs: 3000 })).rejects.toMatchObject({ code: 'tls' });
    expect(hostSaw).toBe(0);
  });

  it('refuses a pinned certificate whose PEM does not match the announced fingerprint', async () => {
    const peer = { certificatePem: hostCert.certPem, fingerprint: strangerCert.fingerprint };
    await expect(dialPeer({ host: '127.0.0.1', port: 9, own: joinerCert, peer })).rejects.toMatchObject({ code: 'tls' });
  });

  it('retries until the host starts listening', async () => {
    const probe = await listen();
    const port = probe.port;
    await probe.close();
    listeners.length = 0;
    const dialing = dialPeer({ host: '127.0.0.1', port, own: joinerCert, peer: asPeer(hostCert), timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    const listener = await listenForPeer({ host: '127.0.0.1', port, own: hostCert, expectedPeer: Promise.resolve(asPeer(joinerCert)) });
    listeners.push(listener);
    const [joiner, host] = await Promise.all([dialing, listener.accept(5000)]);
    sockets.push(joiner, host);
    expect(joiner.authorized).toBe(true);
  });

  it('gives up with "unreachable" when nobody listens', async () => {
    const probe = await listen();
    const port = probe.port;
    await probe.close();
    listeners.length = 0;
    await expect(dialPeer({ host: '127.0.0.1', port, own: joinerCert, peer: asPeer(hostCert), timeoutMs: 500 })).rejects.toMatchObject({ code: 'unreachable' });
  });
});

describe('transfers over the TLS peer link', () => {
  async function transfer(paths: string[], outDir: string) {
    const { host, joiner } = await link();
    const c = tlsContexts();
    return Promise.all([sendFiles(host, c.sender, paths), receiveFiles(joiner, c.receiver, { outDir })]);
  }

  it('moves a ~20 MiB random file byte-exact', async () => {
    await withTempDir(async (dir) => {
      const data = randomBytes(20 * 1024 * 1024 - 12345);
      await writeFile(join(dir, 'big.bin'), data);
      const [sent, received] = await transfer([join(dir, 'big.bin')], join(dir, 'out'));
      expect((await readFile(join(dir, 'out/big.bin'))).equals(data)).toBe(true);
      expect(received.files[0].sha256).toBe(sent.files[0].sha256);
    });
  });

  it('moves several files, a directory and an empty file', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'docs'));
      await writeFile(join(dir, 'docs/a.md'), '# a');
      await writeFile(join(dir, 'one.txt'), 'one');
      await writeFile(join(dir, 'empty'), '');
      await transfer([join(dir, 'one.txt'), join(dir, 'docs'), join(dir, 'empty')], join(dir, 'out'));
      expect(await listTree(join(dir, 'out'))).toEqual(['docs/a.md', 'empty', 'one.txt']);
      expect(await readFile(join(dir, 'out/docs/a.md'), 'utf8')).toBe('# a');
    });
  });

  it('refuses to transfer when the context names another TLS certificate than the link uses', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'one.txt'), 'one');
      const { host, joiner } = await link();
      const c = makeContexts(makeParty('alice', hostCert.fingerprint), makeParty('bob', strangerCert.fingerprint));
      const outcome = await Promise.allSettled([sendFiles(host, c.sender, [join(dir, 'one.txt')]), receiveFiles(joiner, c.receiver, { outDir: join(dir, 'out') })]);
      expect(outcome[0]).toMatchObject({ status: 'rejected', reason: { code: 'tls' } });
      expect(await listTree(join(dir, 'out')).catch(() => [])).toEqual([]);
    });
  });
});
