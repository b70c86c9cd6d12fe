/* eslint-disable @typescript-eslint/no-explicit-any -- test answers are read loosely, like JSON. */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { makeEphemeralCert } from '../../../certs/src/x509';
import type { TestAccount } from './accounts';
import type { ApiClient } from './https-client';

/** A peer's ephemeral certificate PEM, as the CLI would make it. */
export async function peerCertificate(name = 'peer'): Promise<{ certPem: string; fingerprint: string }> {
  const { certPem, fingerprint } = await makeEphemeralCert(name);
  return { certPem, fingerprint };
}

/** A file entry of a report, with digests of `content`. */
export function reportedFile(name: string, content: string) {
  const data = Buffer.from(content);
  return { name, size: data.length, crc32: crc32Hex(data), sha256: createHash('sha256').update(data).digest('hex') };
}

/** Creates a session as `host` (host-sends by default) and returns the answer body. */
export async function createSession(
  api: ApiClient,
  host: TestAccount,
  extra: Record<string, unknown> = {},
): Promise<{ session: any; key: string }> {
  const { certPem } = await peerCertificate('host');
  const res = await api.post('/sessions', {
    token: host.token,
    body: { direction: 'host-sends', endpoint: { host: '127.0.0.1', port: 40123 }, certificate: certPem, ...extra },
  });
  if (res.status !== 201) throw new Error(`create session: ${res.status} ${res.text}`);
  return res.body;
}

function crc32Hex(data: Buffer): string {
  return crc32(data).toString(16).padStart(8, '0');
}
