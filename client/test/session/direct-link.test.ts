import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeEphemeralCert, type KeyAndCert } from '../../../certs/src/x509';
import type { ApiClient } from '../../src/api/api-client';
import type { Endpoint, SessionView } from '../../src/api/types';
import type { LinkRequest } from '../../src/session/connector';
import { defaultAdvertiseHost, DirectDial, DirectListen, isLoopback } from '../../src/session/direct-link';

let hostCert: KeyAndCert;
let joinerCert: KeyAndCert;
const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

beforeAll(async () => {
  [hostCert, joinerCert] = await Promise.all([makeEphemeralCert('host'), makeEphemeralCert('joiner')]);
});

const sha256 = (der: Buffer) => createHash('sha256').update(der).digest('hex');

/** What the runner hands a connector; the direct path reads only the session's endpoint and the certificates. */
function request(endpoint: Endpoint, own: KeyAndCert, peer: KeyAndCert): LinkRequest {
  const session = { id: 'test-session', endpoint } as SessionView;
  return { api: {} as ApiClient, session, own, peer: { certificatePem: peer.certPem, fingerprint: peer.fingerprint } };
}

describe(DirectListen.name, () => {
  it('advertises its bound port, and links with a DirectDial that pins the same certificates over real TLS', async () => {
    const host = new DirectListen({ host: '127.0.0.1', port: 0 });
    closers.push(() => host.close());
    const endpoint = await host.prepare({ own: hostCert, serverUrl: 'https://localhost:8443' });
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

  it('advertises --advertise as given rather than the listen address', async () => {
    const host = new DirectListen({ host: '127.0.0.1', port: 0 }, { host: 'sft.example', port: 7000 });
    closers.push(() => host.close());
    expect(await host.prepare({ own: hostCert, serverUrl: 'https://localhost:8443' })).toEqual({ host: 'sft.example', port: 7000 });
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
