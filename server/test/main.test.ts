import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fingerprintOfPem, makeCa, makeServerCert } from '../../certs/src/x509';
import { startServer } from '../src/main';
import { registerAndLogin } from './support/accounts';
import { ApiClient } from './support/https-client';
import { createSession } from './support/sessions';
import { startTestServer, type TestServer } from './support/test-server';

const mode = (path: string) => statSync(path).mode & 0o777;

describe(startServer.name, () => {
  describe('with generated TLS material', () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer();
    });
    afterAll(async () => {
      await t?.close();
    });

    it('answers its real port in the url', () => {
      expect(t.server.port).toBeGreaterThan(0);
      expect(t.url).toBe(`https://127.0.0.1:${t.server.port}`);
    });

    it('writes the CA and server certificate into <dataDir>/tls with private keys at mode 0600', () => {
      const dir = join(t.dataDir, 'tls');
      expect(t.caCertPath).toBe(join(dir, 'ca.pem'));
      expect(mode(join(dir, 'ca-key.pem'))).toBe(0o600);
      expect(mode(join(dir, 'server-key.pem'))).toBe(0o600);
      expect(t.server.caFingerprint).toBe(fingerprintOfPem(t.caPem));
    });

    it('makes a server certificate for localhost, 127.0.0.1, ::1 and this machine’s name, issued by the CA', () => {
      const cert = new X509Certificate(readFileSync(join(t.dataDir, 'tls', 'server.pem')));
      expect(cert.checkHost('localhost')).toBe('localhost');
      expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
      expect(cert.checkIP('::1')).toBe('::1');
      expect(cert.checkHost(hostname())).toBeDefined();
      expect(cert.checkIssued(new X509Certificate(t.caPem))).toBe(true);
    });

    it('writes the JWT secret and master key at mode 0600', () => {
      expect(mode(join(t.dataDir, 'jwt-secret'))).toBe(0o600);
      expect(mode(join(t.dataDir, 'master.key'))).toBe(0o600);
      expect(Buffer.from(readFileSync(join(t.dataDir, 'master.key'), 'utf8').trim(), 'base64')).toHaveLength(32);
    });

    it('is reachable by name (localhost) for a client trusting only the CA', async () => {
      const api = new ApiClient(`https://localhost:${t.server.port}`, t.caPem);
      expect((await api.get('/health')).status).toBe(200);
    });

    it('is refused by a client that trusts another CA', async () => {
      const other = await makeCa('not sft');
      const socket = tls.connect({ host: '127.0.0.1', port: t.server.port, servername: 'localhost', ca: other.certPem });
      const [error] = await once(socket, 'error');
      expect((error as NodeJS.ErrnoException).code).toMatch(/UNABLE_TO_VERIFY|SELF_SIGNED/);
    });
  });

  it('closes promptly while a long-poll is waiting, answering the waiter', async () => {
    const t = await startTestServer();
    const alice = await registerAndLogin(t.api, 'alice');
    const { session } = await createSession(t.api, alice);
    const waiting = t.api.get(`/sessions/${session.id}/wait?state=waiting&timeout=60`, { token: alice.token });
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the request reach the server
    await t.close();
    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(answer.body.state).toBe('waiting');
  }, 30_000);

  it('reuses its CA, secrets and database after a restart on the same data dir', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sft-restart-'));
    try {
      const first = await startTestServer({ dataDir });
      const alice = await registerAndLogin(first.api, 'alice');
      await first.close();
      const second = await startTestServer({ dataDir });
      try {
        expect(second.server.caFingerprint).toBe(first.server.caFingerprint);
        const me = await second.api.get('/auth/me', { token: alice.token });
        expect(me.status).toBe(200);
        expect(me.body.username).toBe('alice');
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('serves SFT_TLS_CERT / SFT_TLS_KEY when given, and reports no CA', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sft-owncert-'));
    const ca = await makeCa('own CA');
    const cert = await makeServerCert(ca, ['localhost', '127.0.0.1']);
    writeFileSync(join(dataDir, 'cert.pem'), cert.certPem);
    writeFileSync(join(dataDir, 'key.pem'), cert.keyPem, { mode: 0o600 });
    const server = await startServer({
      port: 0, quiet: true, dataDir,
      env: { SFT_TLS_CERT: join(dataDir, 'cert.pem'), SFT_TLS_KEY: join(dataDir, 'key.pem') },
    });
    try {
      expect(server.caCertPath).toBeNull();
      expect(server.caFingerprint).toBeNull();
      expect(existsSync(join(dataDir, 'tls', 'ca.pem'))).toBe(false);
      expect((await new ApiClient(server.url, ca.certPem).get('/health')).status).toBe(200);
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('takes the master key and JWT secret from the environment without writing them to disk', async () => {
    const key = Buffer.alloc(32, 9).toString('base64');
    const t = await startTestServer({ env: { SFT_MASTER_KEY: key, SFT_JWT_SECRET: key } });
    try {
      expect(existsSync(join(t.dataDir, 'master.key'))).toBe(false);
      expect(existsSync(join(t.dataDir, 'jwt-secret'))).toBe(false);
    } finally {
      await t.close();
    }
  });

  it.each([
    [{ bcryptCost: 10 }, {}, /bcryptCost \(SFT_BCRYPT_COST\)/],
    [{}, { SFT_DB_URL: 'postgres://x' }, /database URL/],
    [{}, { SFT_MASTER_KEY: 'c2hvcnQ=' }, /SFT_MASTER_KEY/],
    [{}, { SFT_TLS_CERT: '/tmp/cert.pem' }, /SFT_TLS_CERT and SFT_TLS_KEY/],
    [{}, { SFT_SESSION_TTL: 'ten' }, /sessionTtlSeconds/],
  ])('fails fast with a clear message for options %j and env %j', async (options, env, message) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sft-badconfig-'));
    try {
      await expect(startServer({ port: 0, quiet: true, dataDir, env, ...options })).rejects.toThrow(message);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('logs one JSON line per request with method, path, status, ms and user — never the token or password', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const t = await startTestServer({ options: { quiet: false } });
    try {
      const alice = await registerAndLogin(t.api, 'alice', 'secret-password-1');
      await t.api.get('/auth/me?x=1', { token: alice.token });
      const entries = lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
      expect(entries).toContainEqual(
        expect.objectContaining({ method: 'GET', path: '/auth/me', status: 200, user: 'alice', ms: expect.any(Number) }),
      );
      expect(entries).toContainEqual(expect.objectContaining({ method: 'POST', path: '/auth/login', status: 200 }));
      const all = lines.join('');
      expect(all).not.toContain(alice.token);
      expect(all).not.toContain('secret-password-1');
    } finally {
      spy.mockRestore();
      await t.close();
    }
  });
});
