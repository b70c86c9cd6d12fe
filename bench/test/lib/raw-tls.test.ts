// Runs the compiled raw-TLS child processes: `npm run build` first.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEphemeralCert } from '../../../certs/src/x509';
import { writeLinkFiles } from '../../raw-tls/link-files';
import { scratchDir, writeRandomFile } from '../../lib/files';
import { prepareRawTls, rawTlsTransfer } from '../../lib/raw-tls';

describe(rawTlsTransfer.name, () => {
  let dir: string;
  let input: string;

  beforeAll(async () => {
    dir = scratchDir('raw-tls-test');
    input = join(dir, 'input.bin');
    await writeRandomFile(input, 3 * 1024 * 1024 + 17);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('copies the file byte for byte over pinned TLS and reports both peaks', async () => {
    const certs = join(dir, 'good');
    mkdirSync(certs);
    await prepareRawTls(certs);
    const run = await rawTlsTransfer(certs, input, join(dir, 'out.bin'), 30_000);
    expect(readFileSync(join(dir, 'out.bin')).equals(readFileSync(input))).toBe(true);
    expect(Math.min(run.senderPeakRss, run.receiverPeakRss)).toBeGreaterThan(0);
    expect(Math.min(run.senderCpuSeconds, run.receiverCpuSeconds)).toBeGreaterThan(0);
  });

  it('copies the file byte for byte with default streams too', async () => {
    const certs = join(dir, 'default');
    mkdirSync(certs);
    await prepareRawTls(certs);
    await rawTlsTransfer(certs, input, join(dir, 'out-default.bin'), 30_000, 'default');
    expect(readFileSync(join(dir, 'out-default.bin')).equals(readFileSync(input))).toBe(true);
  });

  it('fails when the sender presents a certificate the receiver did not pin', async () => {
    const certs = join(dir, 'bad');
    mkdirSync(certs);
    const [receiver, sender, stranger] = await Promise.all([makeEphemeralCert('r'), makeEphemeralCert('s'), makeEphemeralCert('x')]);
    writeLinkFiles(certs, 'receiver', receiver, stranger); // the receiver expects someone else
    writeLinkFiles(certs, 'sender', sender, receiver);
    writeFileSync(join(dir, 'refused.bin'), '');
    await expect(rawTlsTransfer(certs, input, join(dir, 'refused.bin'), 30_000)).rejects.toThrow(/raw-tls (sender|receiver)/);
    expect(readFileSync(join(dir, 'refused.bin')).length).toBe(0);
  });
});
