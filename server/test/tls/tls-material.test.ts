/** SFT_TLS_CA: the CA that issued SFT_TLS_CERT, shown to clients (docker-compose.yml's set-up). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCa, makeServerCert } from '../../../certs/src/x509';
import { AppConfig } from '../../src/config/app-config';
import { loadTlsMaterial } from '../../src/tls/tls-material';

const dir = mkdtempSync(join(tmpdir(), 'sft-tlsca-'));
const file = (name: string): string => join(dir, name);
let caFingerprint: string;

beforeAll(async () => {
  const ca = await makeCa('compose CA');
  const server = await makeServerCert(ca, ['localhost']);
  writeFileSync(file('ca.pem'), ca.certPem);
  writeFileSync(file('server.pem'), server.certPem);
  writeFileSync(file('server-key.pem'), server.keyPem, { mode: 0o600 });
  writeFileSync(file('other-ca.pem'), (await makeCa('other CA')).certPem);
  caFingerprint = ca.fingerprint;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const load = (env: NodeJS.ProcessEnv) =>
  loadTlsMaterial(AppConfig.load({ dataDir: join(dir, 'data'), env: { SFT_TLS_CERT: file('server.pem'), SFT_TLS_KEY: file('server-key.pem'), ...env } }));

describe('SFT_TLS_CERT with SFT_TLS_CA', () => {
  it('reports the CA path and fingerprint for the "CA certificate:" lines', async () => {
    const tls = await load({ SFT_TLS_CA: file('ca.pem') });
    expect(tls).toMatchObject({ caCertPath: file('ca.pem'), caFingerprint });
  });

  it('reports no CA without SFT_TLS_CA', async () => {
    expect(await load({})).toMatchObject({ caCertPath: null, caFingerprint: null });
  });

  it('refuses a CA that did not issue the certificate', async () => {
    await expect(load({ SFT_TLS_CA: file('other-ca.pem') })).rejects.toThrow(/SFT_TLS_CA .* did not issue/);
  });

  it('names an unreadable CA file', async () => {
    await expect(load({ SFT_TLS_CA: file('missing.pem') })).rejects.toThrow(/cannot read SFT_TLS_CA file .*missing\.pem \(ENOENT\)/);
  });
});
