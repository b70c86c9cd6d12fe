import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  certificateNames,
  DevCertsError,
  DevCertsErrorCode,
  makeDevCerts,
  parseDevCertsArgs,
  runDevCerts,
} from '../src/make-dev-certs';

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sft-dev-certs-'));
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function modeOf(file: string): Promise<number> {
  return (await fs.stat(file)).mode & 0o777;
}

/** Connects a TLS client that trusts only `caPem` to a server using `certPem`/`keyPem`, asking for `servername`. */
async function handshake(caPem: string, certPem: string, keyPem: string, servername: string): Promise<Error | 'ok'> {
  const server = tls.createServer({ cert: certPem, key: keyPem, minVersion: 'TLSv1.3' }, (s) => s.end());
  server.on('tlsClientError', () => undefined);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, ca: caPem });
    // events.once rejects on 'error', which is the outcome we want to see.
    const outcome = await once(socket, 'secureConnect').then(
      () => 'ok' as const,
      (error: Error) => error,
    );
    socket.destroy();
    return outcome;
  } finally {
    server.close();
  }
}

describe(makeDevCerts.name, () => {
  it('writes the CA and server certificates and keys into the directory', async () => {
    const result = await makeDevCerts({ outDir: dir });
    expect((await fs.readdir(dir)).sort()).toEqual(['ca-key.pem', 'ca.pem', 'server-key.pem', 'server.pem']);
    expect(result.files.caCert).toBe(path.join(dir, 'ca.pem'));
    expect(await fs.readFile(result.files.serverKey, 'utf8')).toContain('-----BEGIN PRIVATE KEY-----');
  });

  it('makes both private keys readable by the owner only', async () => {
    const result = await makeDevCerts({ outDir: dir });
    expect(await modeOf(result.files.caKey)).toBe(0o600);
    expect(await modeOf(result.files.serverKey)).toBe(0o600);
  });

  it('creates a missing output directory', async () => {
    const nested = path.join(dir, 'certs', 'dev');
    await makeDevCerts({ outDir: nested });
    expect((await fs.readdir(nested)).length).toBe(4);
  });

  it('issues a server certificate for localhost, 127.0.0.1, ::1, server and the extra names', async () => {
    const result = await makeDevCerts({ outDir: dir, extraNames: ['sft.example.test', '192.0.2.7'] });
    const cert = new X509Certificate(await fs.readFile(result.files.serverCert));
    for (const host of ['localhost', 'server', 'sft.example.test']) expect(cert.checkHost(host)).toBe(host);
    for (const ip of ['127.0.0.1', '::1', '192.0.2.7']) expect(cert.checkIP(ip)).toBe(ip);
    expect(cert.checkHost('example.org')).toBeUndefined();
  });

  it('signs the server certificate with the CA it writes', async () => {
    const result = await makeDevCerts({ outDir: dir });
    const ca = new X509Certificate(await fs.readFile(result.files.caCert));
    const server = new X509Certificate(await fs.readFile(result.files.serverCert));
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
  });

  it.each(['server', 'localhost'])('gives a certificate that a TLS client trusting ca.pem accepts for %s', async (name) => {
    const result = await makeDevCerts({ outDir: dir });
    const [ca, cert, key] = await Promise.all(
      [result.files.caCert, result.files.serverCert, result.files.serverKey].map((f) => fs.readFile(f, 'utf8')),
    );
    expect(await handshake(ca, cert, key, name)).toBe('ok');
  });

  it('gives a certificate that a TLS client refuses for a name it does not list', async () => {
    const result = await makeDevCerts({ outDir: dir });
    const [ca, cert, key] = await Promise.all(
      [result.files.caCert, result.files.serverCert, result.files.serverKey].map((f) => fs.readFile(f, 'utf8')),
    );
    const outcome = await handshake(ca, cert, key, 'evil.example');
    expect((outcome as NodeJS.ErrnoException).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('refuses to replace existing files without force and leaves them unchanged', async () => {
    const first = await makeDevCerts({ outDir: dir });
    const before = await fs.readFile(first.files.caKey, 'utf8');
    const attempt = makeDevCerts({ outDir: dir });
    await expect(attempt).rejects.toBeInstanceOf(DevCertsError);
    await expect(attempt).rejects.toMatchObject({ code: DevCertsErrorCode.FilesExist });
    expect(await fs.readFile(first.files.caKey, 'utf8')).toBe(before);
  });

  it('refuses when only one of the four files exists', async () => {
    await fs.writeFile(path.join(dir, 'server.pem'), 'mine');
    await expect(makeDevCerts({ outDir: dir })).rejects.toMatchObject({ code: DevCertsErrorCode.FilesExist });
    expect(await fs.readFile(path.join(dir, 'server.pem'), 'utf8')).toBe('mine');
  });

  it('replaces existing files with force, keeping the keys at mode 0600', async () => {
    const first = await makeDevCerts({ outDir: dir });
    await fs.chmod(first.files.serverKey, 0o644);
    const second = await makeDevCerts({ outDir: dir, force: true });
    expect(second.caFingerprint).not.toBe(first.caFingerprint);
    expect(await modeOf(second.files.serverKey)).toBe(0o600);
    expect((await fs.readdir(dir)).sort()).toEqual(['ca-key.pem', 'ca.pem', 'server-key.pem', 'server.pem']);
  });
});

describe(certificateNames.name, () => {
  it('adds extra names after the defaults without duplicates', () => {
    expect(certificateNames(['LOCALHOST', 'files.lan', 'files.lan', ' '])).toEqual([
      'localhost',
      '127.0.0.1',
      '::1',
      'server',
      'files.lan',
    ]);
  });

  it.each(['bad name', 'a/b', '-lead.example', 'x'.repeat(64)])('rejects %s as a name', (name) => {
    expect(() => certificateNames([name])).toThrow(DevCertsError);
  });
});

describe(parseDevCertsArgs.name, () => {
  it('collects extra names from positionals, --name and SFT_CERT_NAMES', () => {
    const options = parseDevCertsArgs(['a.lan', '--name', 'b.lan', '--out', '/x'], { SFT_CERT_NAMES: 'c.lan, d.lan' });
    expect(options.extraNames).toEqual(['a.lan', 'b.lan', 'c.lan', 'd.lan']);
    expect(options.outDir).toBe('/x');
    expect(options.force).toBe(false);
  });

  it('reports an unknown option as a usage error', () => {
    expect(() => parseDevCertsArgs(['--bogus'], {})).toThrow(expect.objectContaining({ code: DevCertsErrorCode.Usage }));
  });
});

describe(runDevCerts.name, () => {
  it('prints the CA path and exits 0', async () => {
    const out: string[] = [];
    const code = await runDevCerts(['--out', dir], {}, (l) => out.push(l), () => undefined);
    expect(code).toBe(0);
    expect(out).toContain(`CA certificate: ${path.join(dir, 'ca.pem')}`);
  });

  it('never prints private key material', async () => {
    const out: string[] = [];
    await runDevCerts(['--out', dir], {}, (l) => out.push(l), () => undefined);
    expect(out.join('\n')).not.toContain('PRIVATE KEY');
  });

  it('exits 1 with one line on stderr when the files exist', async () => {
    await runDevCerts(['--out', dir], {}, () => undefined, () => undefined);
    const err: string[] = [];
    const code = await runDevCerts(['--out', dir], {}, () => undefined, (l) => err.push(l));
    expect(code).toBe(1);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/already exists.*--force/);
  });

  it('exits 2 on an invalid name', async () => {
    const code = await runDevCerts(['--out', dir, 'no spaces allowed'], {}, () => undefined, () => undefined);
    expect(code).toBe(2);
  });
});
