/** The compose `init` service's work (server/src/init-volumes.ts) on real directories and certificates. */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeCa, makeServerCert } from '../../certs/src/x509';
import { initVolumes, userIds, type InitVolumesOptions } from '../src/init-volumes';

let root: string;
let options: InitVolumesOptions;
const me = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'sft-init-'));
  options = {
    secretsDir: join(root, 'secrets'),
    caDir: join(root, 'ca'),
    dataDir: join(root, 'data'),
    owner: me,
    privateOwner: me,
    extraNames: [],
  };
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

const read = (...parts: string[]): string => readFileSync(join(root, ...parts), 'utf8');
const mode = (...parts: string[]): number => statSync(join(root, ...parts)).mode & 0o777;

describe(initVolumes.name, () => {
  it('makes the MySQL passwords, a CA whose key stays in the CA dir, and a server certificate it issued', async () => {
    const lines = await initVolumes(options);
    for (const name of ['mysql-password', 'mysql-root-password']) {
      expect(read('secrets', name)).toMatch(/^[0-9a-f]{48}\n$/);
      expect(mode('secrets', name)).toBe(0o600);
    }
    expect(read('secrets', 'mysql-password')).not.toBe(read('secrets', 'mysql-root-password'));
    expect(mode('ca', 'ca-key.pem')).toBe(0o600);
    expect(mode('data', 'tls', 'server-key.pem')).toBe(0o600);
    expect(existsSync(join(root, 'data', 'tls', 'ca-key.pem'))).toBe(false);
    const ca = new X509Certificate(read('data', 'tls', 'ca.pem'));
    expect(read('data', 'tls', 'ca.pem')).toBe(read('ca', 'ca.pem'));
    const cert = new X509Certificate(read('data', 'tls', 'server.pem'));
    expect(cert.checkIssued(ca) && cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkHost('server')).toBe('server');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(lines).toContain('CA certificate: ' + join(options.dataDir, 'tls', 'ca.pem'));
    expect(lines.join('\n')).toContain(`CA fingerprint (SHA-256): ${ca.fingerprint256}`);
    // Nothing secret is printed.
    for (const secret of [read('secrets', 'mysql-password'), read('ca', 'ca-key.pem'), read('data', 'tls', 'server-key.pem')]) {
      expect(lines.join('\n')).not.toContain(secret.trim());
    }
  });

  it('keeps everything on the next start, and re-issues only the certificate (same CA) when a name is added', async () => {
    await initVolumes(options);
    const before = ['secrets/mysql-password', 'ca/ca-key.pem', 'data/tls/server.pem', 'data/tls/server-key.pem'].map((f) => read(f));
    await initVolumes(options);
    expect(['secrets/mysql-password', 'ca/ca-key.pem', 'data/tls/server.pem', 'data/tls/server-key.pem'].map((f) => read(f))).toEqual(before);

    await initVolumes({ ...options, extraNames: ['sft.example.org'] });
    expect(read('secrets', 'mysql-password')).toBe(before[0]);
    expect(read('ca', 'ca-key.pem')).toBe(before[1]);
    const cert = new X509Certificate(read('data', 'tls', 'server.pem'));
    expect(cert.checkHost('sft.example.org')).toBe('sft.example.org');
    expect(cert.checkIssued(new X509Certificate(read('ca', 'ca.pem')))).toBe(true);
  });

  it('refuses a name that is not a DNS name or IP address', async () => {
    await expect(initVolumes({ ...options, extraNames: ['not a name'] })).rejects.toThrow(/not a DNS name/);
  });

  describe('with SFT_TLS_IMPORT (your own certificate)', () => {
    async function ownCerts(dir: string): Promise<void> {
      const ca = await makeCa('own CA');
      const server = await makeServerCert(ca, ['files.example.org']);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'ca.pem'), ca.certPem);
      writeFileSync(join(dir, 'ca-key.pem'), ca.keyPem, { mode: 0o600 });
      writeFileSync(join(dir, 'server.pem'), server.certPem);
      writeFileSync(join(dir, 'server-key.pem'), server.keyPem, { mode: 0o600 });
    }

    it('copies server.pem, its key (0600) and ca.pem, never the CA key, and makes no CA of its own', async () => {
      const own = join(root, 'own');
      await ownCerts(own);
      const lines = await initVolumes({ ...options, importDir: own });
      for (const name of ['server.pem', 'server-key.pem', 'ca.pem']) expect(read('data', 'tls', name)).toBe(read('own', name));
      expect(mode('data', 'tls', 'server-key.pem')).toBe(0o600);
      expect(existsSync(join(root, 'data', 'tls', 'ca-key.pem'))).toBe(false);
      expect(existsSync(join(root, 'ca', 'ca-key.pem'))).toBe(false);
      expect(lines.join('\n')).toContain(new X509Certificate(read('own', 'ca.pem')).fingerprint256);
    });

    it('refuses a ca.pem that did not issue server.pem, changing nothing', async () => {
      const own = join(root, 'own');
      await ownCerts(own);
      writeFileSync(join(own, 'ca.pem'), (await makeCa('another CA')).certPem);
      await expect(initVolumes({ ...options, importDir: own })).rejects.toThrow(/did not issue/);
      expect(existsSync(join(root, 'data', 'tls', 'server.pem'))).toBe(false);
    });

    it('refuses a key that does not belong to the certificate', async () => {
      const own = join(root, 'own');
      await ownCerts(own);
      writeFileSync(join(own, 'server-key.pem'), (await makeCa('x')).keyPem);
      await expect(initVolumes({ ...options, importDir: own })).rejects.toThrow(/is not the key/);
    });

    it('names the missing file', async () => {
      await expect(initVolumes({ ...options, importDir: join(root, 'nowhere') })).rejects.toThrow(/cannot read .*server\.pem \(ENOENT\)/);
    });
  });
});

describe(userIds.name, () => {
  it('reads uid and gid from a passwd file', () => {
    expect(userIds('node', 'root:x:0:0:root:/root:/bin/bash\nnode:x:1000:1001::/home/node:/bin/sh\n')).toEqual({ uid: 1000, gid: 1001 });
    expect(() => userIds('node', 'root:x:0:0::/:/bin/sh\n')).toThrow(/no user "node"/);
  });
});
