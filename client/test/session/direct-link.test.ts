import { createHash } from 'node:crypto';
import { createServer, isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeEphemeralCert, type KeyAndCert } from '../../../certs/src/x509';
import type { ApiClient } from '../../src/api/api-client';
import type { Endpoint, SessionView } from '../../src/api/types';
import type { LinkRequest } from '../../src/session/connector';
import { defaultAdvertiseHost, DirectDial, DirectListen, interfaceCandidates, isLoopback } from '../../src/session/direct-link';

let hostCert: KeyAndCert;
let joinerCert: KeyAndCert;
const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

beforeAll(async () => {
  [hostCert, joinerCert] = await Promise.all([makeEphemeralCert('host'), makeEphemeralCert('joiner')]);
});

const sha256 = (der: Buffer) => createHash('sha256').update(der).digest('hex');

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** What the runner hands a connector; the direct path reads only the session's endpoint and the certificates. */
function request(endpoint: Endpoint, own: KeyAndCert, peer: KeyAndCert, candidates = [endpoint]): LinkRequest {
  const session = { id: 'test-session', endpoint, candidates } as SessionView;
  return { api: {} as ApiClient, session, own, peer: { certificatePem: peer.certPem, fingerprint: peer.fingerprint } };
}

describe(DirectListen.name, () => {
  it('advertises its bound port, and links with a DirectDial that pins the same certificates over real TLS', async () => {
    const host = new DirectListen({ host: '127.0.0.1', port: 0 });
    closers.push(() => host.close());
    const advertised = await host.prepare({ own: hostCert, serverUrl: 'https://localhost:8443' });
    expect(advertised.candidates).toEqual([]);
    const { endpoint } = advertised;
    expect(endpoint.host).toBe('127.0.0.1');
    expect(endpoint.port).toBeGreaterThan(0);

    const joiner = new DirectDial();
    expect(await joiner.prepare()).toBeUndefined();
    const [hostLink, joinerLink] = await Promise.all([
      host.connect(request(endpoint, hostCert, joinerCert)),
      joiner.connect(request(endpoint, joinerCert, hostCert)),
    ]);
    expect(joinerLink.path).toEqual({ via: 'direct', address: `127.0.0.1:${endpoint.port}` });
    expect(hostLink.path.via).toBe('direct');
    const [hostSide, joinerSide] = [hostLink.socket, joinerLink.socket] as TLSSocket[];
    closers.push(() => hostSide.destroy(), () => joinerSide.destroy());
    expect(hostSide.authorized && joinerSide.authorized).toBe(true);
    expect(sha256(hostSide.getPeerCertificate().raw)).toBe(joinerCert.fingerprint);
    expect(sha256(joinerSide.getPeerCertificate().raw)).toBe(hostCert.fingerprint);
  });

  it('connects again on the same port after a link was lost, pinning the new certificate of a joiner that restarted', async () => {
    const host = new DirectListen({ host: '127.0.0.1', port: 0 });
    closers.push(() => host.close());
    const { endpoint } = await host.prepare({ own: hostCert, serverUrl: 'https://localhost:8443' });
    const first = await Promise.all([host.connect(request(endpoint, hostCert, joinerCert)), new DirectDial().connect(request(endpoint, joinerCert, hostCert))]);
    first.forEach((link) => link.socket.destroy());

    const restarted = await makeEphemeralCert('joiner again');
    const [hostLink, joinerLink] = await Promise.all([
      host.connect(request(endpoint, hostCert, restarted)),
      new DirectDial().connect(request(endpoint, restarted, hostCert)),
    ]);
    closers.push(() => hostLink.socket.destroy(), () => joinerLink.socket.destroy());
    expect(sha256((hostLink.socket as TLSSocket).getPeerCertificate().raw)).toBe(restarted.fingerprint);
  });

  it('gives a connect attempt up when its signal aborts, and still connects on the next call', async () => {
    const host = new DirectListen({ host: '127.0.0.1', port: 0 });
    closers.push(() => host.close());
    const { endpoint } = await host.prepare({ own: hostCert, serverUrl: 'https://localhost:8443' });
    const attempt = new AbortController();
    const waiting = host.connect({ ...request(endpoint, hostCert, joinerCert), signal: attempt.signal });
    attempt.abort();
    await expect(waiting).rejects.toThrow(/Stopped waiting/);
    const [hostLink, joinerLink] = await Promise.all([
      host.connect(request(endpoint, hostCert, joinerCert)),
      new DirectDial().connect(request(endpoint, joinerCert, hostCert)),
    ]);
    closers.push(() => hostLink.socket.destroy(), () => joinerLink.socket.destroy());
    expect((hostLink.socket as TLSSocket).authorized).toBe(true);
  });

  it('advertises --advertise as given rather than the listen address', async () => {
    const host = new DirectListen({ host: '127.0.0.1', port: 0 }, { host: 'sft.example', port: 7000 });
    closers.push(() => host.close());
    expect(await host.prepare({ own: hostCert, serverUrl: 'https://localhost:8443' })).toEqual({ endpoint: { host: 'sft.example', port: 7000 }, candidates: [] });
  });

  it('is dialled on every candidate at once: a refusing one does not hold up the one that answers', async () => {
    const host = new DirectListen({ host: '127.0.0.1', port: 0 });
    closers.push(() => host.close());
    const { endpoint } = await host.prepare({ own: hostCert, serverUrl: 'https://localhost:8443' });
    const refusing = { host: '127.0.0.1', port: await closedPort() };
    let refusedAll = 0;
    const joiner = new DirectDial(() => refusedAll++);
    const [hostLink, joinerLink] = await Promise.all([
      host.connect(request(endpoint, hostCert, joinerCert)),
      joiner.connect(request(refusing, joinerCert, hostCert, [refusing, endpoint])),
    ]);
    closers.push(() => hostLink.socket.destroy(), () => joinerLink.socket.destroy());
    expect(joinerLink.path).toEqual({ via: 'direct', address: `127.0.0.1:${endpoint.port}` });
    expect(refusedAll).toBe(0); // one candidate answered: the relay is not called for
  });

  it('says every address it tried when no candidate answers', async () => {
    const [a, b] = [{ host: '127.0.0.1', port: await closedPort() }, { host: '127.0.0.1', port: await closedPort() }];
    let refusedAll = 0;
    const joiner = new DirectDial(() => refusedAll++);
    closers.push(() => joiner.close());
    const dial = joiner.connect(request(a, joinerCert, hostCert, [a, b]));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(refusedAll).toBeGreaterThan(0);
    joiner.close();
    await expect(dial).rejects.toThrow(`Could not reach the peer at any of 127.0.0.1:${a.port}, 127.0.0.1:${b.port}`);
  });
});

describe(interfaceCandidates.name, () => {
  it('adds no interface address for a specific listen address, nor when the server is on loopback', () => {
    expect(interfaceCandidates('127.0.0.1', 'https://sft.example')).toEqual([]);
    expect(interfaceCandidates('0.0.0.0', 'https://localhost:8443')).toEqual([]);
    expect(interfaceCandidates('::', 'https://[::1]:8443')).toEqual([]);
  });

  it('lists only IPv4 interface addresses, none internal, for 0.0.0.0', () => {
    for (const address of interfaceCandidates('0.0.0.0', 'https://sft.example')) {
      expect(isIP(address)).toBe(4);
      expect(isLoopback(address)).toBe(false);
    }
  });
});

describe(defaultAdvertiseHost.name, () => {
  it('advertises the listen address when it is a specific one', () => {
    expect(defaultAdvertiseHost('192.0.2.7', 'https://sft.example')).toBe('192.0.2.7');
  });

  it('advertises 127.0.0.1 for a wildcard listen address when the server is on loopback', () => {
    expect(defaultAdvertiseHost('0.0.0.0', 'https://localhost:8443')).toBe('127.0.0.1');
    expect(defaultAdvertiseHost('::', 'https://[::1]:8443')).toBe('127.0.0.1');
  });
});

describe(isLoopback.name, () => {
  it('knows the loopback names and addresses', () => {
    expect(['localhost', '127.0.0.1', '127.1.2.3', '::1'].every(isLoopback)).toBe(true);
    expect(['example.com', '10.0.0.1', '::2'].some(isLoopback)).toBe(false);
  });
});
