import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { fingerprintOfPem, makeCa, makeEphemeralCert, makeServerCert } from '../src/x509';

describe('makeServerCert', () => {
  it('makes a certificate that TLS clients trusting only the CA accept for its names', async () => {
    const ca = await makeCa('sft test CA');
    const server = await makeServerCert(ca, ['localhost', '127.0.0.1']);
    const tlsServer = tls.createServer({ cert: server.certPem, key: server.keyPem, minVersion: 'TLSv1.3' }, (s) => s.end('ok'));
    tlsServer.listen(0, '127.0.0.1');
    await once(tlsServer, 'listening');
    const { port } = tlsServer.address() as AddressInfo;
    try {
      const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ca.certPem });
      await once(socket, 'secureConnect');
      expect(socket.authorized).toBe(true);
      expect(socket.getProtocol()).toBe('TLSv1.3');
      socket.destroy();
    } finally {
      tlsServer.close();
    }
  });

  it('is refused by a client that trusts a different CA', async () => {
    const ca = await makeCa('sft test CA');
    const otherCa = await makeCa('someone else');
    const server = await makeServerCert(ca, ['localhost']);
    const tlsServer = tls.createServer({ cert: server.certPem, key: server.keyPem });
    tlsServer.on('tlsClientError', () => undefined);
    tlsServer.listen(0, '127.0.0.1');
    await once(tlsServer, 'listening');
    const { port } = tlsServer.address() as AddressInfo;
    try {
      const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: otherCa.certPem });
      const [error] = await once(socket, 'error');
      expect((error as NodeJS.ErrnoException).code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    } finally {
      tlsServer.close();
    }
  });
});

describe('makeEphemeralCert', () => {
  it('gives a fresh key and fingerprint each time, matching the certificate', async () => {
    const a = await makeEphemeralCert('peer');
    const b = await makeEphemeralCert('peer');
    expect(a.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(a.fingerprint).toBe(fingerprintOfPem(a.certPem));
    expect(a.fingerprint).not.toBe(b.fingerprint);
    expect(a.keyPem).not.toBe(b.keyPem);
  });
});
