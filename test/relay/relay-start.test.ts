/** Starting a relay on a port that is taken: one plain line, for startRelay and for `sft server`. */
import { generateKeyPairSync } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCa, makeServerCert } from '../../certs/src/x509';
import { startRelay } from '../../relay/src/relay-server';
import { expectExit, makeTempDir, runSft } from '../support/sft-process';

describe(startRelay.name, () => {
  let taken: Server;
  let port: number;

  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

  it('rejects with one line naming the address when the port is taken', async () => {
    const cert = await makeServerCert(await makeCa('test CA'), ['localhost', '127.0.0.1']);
    const { publicKey } = generateKeyPairSync('ed25519');
    await expect(startRelay({ port, host: '127.0.0.1', publicKey, tls: cert, quiet: true })).rejects.toThrow(
      new RegExp(`^Cannot start the relay on 127\\.0\\.0\\.1:${port}: EADDRINUSE\\.$`),
    );
  });

  it('makes `sft server --relay-port` on a taken port exit 1 with that line, and no stack trace', async () => {
    const dataDir = await makeTempDir('sft-relay-busy-');
    const result = expectExit(await runSft(['server', '--port', '0', '--relay-port', String(port), '--data-dir', dataDir]), 1);
    expect(result.stderr).toContain(`Cannot start the relay on 127.0.0.1:${port}: EADDRINUSE.`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    await rm(dataDir, { recursive: true, force: true });
  });
});
