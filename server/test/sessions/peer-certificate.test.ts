import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { makeEphemeralCert } from '../../../certs/src/x509';
import { CertificateParser } from '../../src/sessions/certificate-parser';
import { readPeerCertificate } from '../../src/sessions/peer-certificate';

const derOf = (pem: string) => Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, ''), 'base64');

describe(readPeerCertificate.name, () => {
  it('answers the PEM block and the SHA-256 of its DER', async () => {
    const { certPem, fingerprint } = await makeEphemeralCert('peer');
    const read = await readPeerCertificate(`\n${certPem}`);
    expect(read).toEqual({ pem: `${certPem.trim()}\n`, fingerprint });
    expect(fingerprint).toBe(createHash('sha256').update(derOf(certPem)).digest('hex'));
  });

  it('refuses a certificate whose validity has ended', async () => {
    const { certPem } = await makeEphemeralCert('peer', -0.5);
    await expect(readPeerCertificate(certPem)).rejects.toThrow(/not valid at this time/);
  });

  it('refuses a certificate OpenSSL cannot parse', async () => {
    const der = derOf((await makeEphemeralCert('peer')).certPem).subarray(0, -10);
    const pem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;
    await expect(readPeerCertificate(pem)).rejects.toThrow(/not a valid X.509 certificate/);
  });
});

describe(CertificateParser.name, () => {
  const parser = new CertificateParser(2);
  afterAll(() => parser.close());

  it('parses many certificates at once, each answer for its own certificate', async () => {
    const certs = await Promise.all([1, 2, 3].map((i) => makeEphemeralCert(`peer ${i}`)));
    const pems = Array.from({ length: 30 }, (_, i) => certs[i % 3].certPem);
    const parsed = await Promise.all(pems.map((pem) => parser.parse(pem)));
    expect(parsed.map((p) => p?.fingerprint)).toEqual(pems.map((_, i) => certs[i % 3].fingerprint));
  });

  it('fails the parses pending when it is closed, and starts new workers for the next', async () => {
    const { certPem, fingerprint } = await makeEphemeralCert('peer');
    const pending = expect(parser.parse(certPem)).rejects.toThrow(/stopped/);
    await parser.close();
    await pending;
    expect((await parser.parse(certPem))?.fingerprint).toBe(fingerprint);
  });
});
