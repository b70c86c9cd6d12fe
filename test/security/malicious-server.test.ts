/**
 * Trust model, active malicious server (issue 7), with real processes: the server's database is
 * changed behind the peers' backs — a swapped signing key after first contact, a swapped host
 * certificate — and the transfer is refused before any file byte, with nothing written.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatFingerprint, makeEphemeralCert } from '../../certs/src/x509';
import { generateIdentity, keyFingerprint } from '../../client/src/crypto/identity';
import { expectExit, SftUser, type SftServer } from '../support/sft-process';
import { startServerWithUsers, type ServerWithUsers } from '../support/two-users';

let world: ServerWithUsers;
let server: SftServer;
let alice: SftUser;
let bob: SftUser;

/** The malicious server: writes straight into its own SQLite database. */
async function serverWrites(sql: string, params: unknown[]): Promise<void> {
  const db = new DataSource({ type: 'better-sqlite3', database: path.join(server.dataDir, 'sft.sqlite') });
  await db.initialize();
  try {
    await db.query(sql, params);
  } finally {
    await db.destroy();
  }
}

beforeAll(async () => {
  world = await startServerWithUsers(['alice', 'bob']);
  server = world.server;
  [alice, bob] = world.users;
  await fs.writeFile(path.join(alice.dir, 'note.txt'), 'for bob\n');
  // First contact: both pin each other's real keys.
  const host = alice.spawn(['host-session', 'note.txt', '--to', 'bob', '--listen', '127.0.0.1:0']);
  expectExit(await bob.run(['join', await host.sessionId(), '--out', 'first']), 0);
  expectExit(await host.done, 0);
});

afterAll(async () => {
  await world?.stop();
});

describe('a malicious server', () => {
  it('that swaps the host\'s signing key after first contact is refused by the joiner (exit 4), nothing written', async () => {
    const mallory = generateIdentity().publicKeyBase64;
    const host = alice.spawn(['host-session', 'note.txt', '--to', 'bob', '--listen', '127.0.0.1:0']);
    const id = await host.sessionId();
    await serverWrites('UPDATE users SET signing_key = ? WHERE username = ?', [mallory, 'alice']);
    try {
      const joined = await bob.run(['join', id, '--out', 'swapped-key']);
      expect(joined.code).toBe(4);
      expect(joined.stderr).toContain('identity key of alice has CHANGED');
      expect(joined.stderr).toContain(formatFingerprint(keyFingerprint(mallory)));
      expect(joined.stderr).toContain('sft trust alice');
      expect((await host.done).code).not.toBe(0);
      await expect(fs.stat(path.join(bob.dir, 'swapped-key'))).rejects.toThrow();
    } finally {
      expectExit(await alice.run(['login', '--username', 'alice', '--password-stdin'], { stdin: `${alice.password}\n` }), 0); // re-uploads the real key
    }
  });

  it('that swaps the joiner\'s signing key after first contact is refused by the host (exit 4), nothing sent', async () => {
    const mallory = generateIdentity().publicKeyBase64;
    await serverWrites('UPDATE users SET signing_key = ? WHERE username = ?', [mallory, 'bob']);
    try {
      await fs.writeFile(path.join(bob.dir, 'up.txt'), 'from bob\n');
      const host = alice.spawn(['host-session', '--receive', '--out', 'from-bob', '--to', 'bob', '--listen', '127.0.0.1:0']);
      const joined = await bob.run(['join', await host.sessionId(), 'up.txt']);
      const hosted = await host.done;
      expect(hosted.code).toBe(4);
      expect(hosted.stderr).toContain('identity key of bob has CHANGED');
      expect(joined.code).not.toBe(0);
      await expect(fs.stat(path.join(alice.dir, 'from-bob'))).rejects.toThrow();
    } finally {
      expectExit(await bob.run(['login', '--username', 'bob', '--password-stdin'], { stdin: `${bob.password}\n` }), 0);
    }
  });

  it('that swaps the host\'s certificate in the session is refused on the peer link before any file byte, nothing written', async () => {
    const attacker = await makeEphemeralCert('sft alice');
    const host = alice.spawn(['host-session', 'note.txt', '--to', 'bob', '--listen', '127.0.0.1:0']);
    const id = await host.sessionId();
    await serverWrites('UPDATE sessions SET host_certificate = ?, host_fingerprint = ? WHERE id = ?', [attacker.certPem, attacker.fingerprint, id.replace(/-/g, '')]);
    const joined = await bob.run(['join', id, '--out', 'swapped-cert']);
    const hosted = await host.done;
    expect(joined.code).not.toBe(0);
    expect(hosted.code).not.toBe(0);
    expect(joined.stderr).not.toMatch(/Verification phrase/);
    expect(hosted.stderr + hosted.stdout).not.toMatch(/file\(s\), .* to be sent|sent note\.txt/);
    await expect(fs.stat(path.join(bob.dir, 'swapped-cert'))).rejects.toThrow();
  });

  it('that swaps only the fingerprint (not matching the certificate) is refused before dialing (exit 4)', async () => {
    const host = alice.spawn(['host-session', 'note.txt', '--to', 'bob', '--listen', '127.0.0.1:0']);
    const id = await host.sessionId();
    await serverWrites('UPDATE sessions SET host_fingerprint = ? WHERE id = ?', ['ab'.repeat(32), id.replace(/-/g, '')]);
    const joined = await bob.run(['join', id, '--out', 'swapped-fingerprint']);
    await host.done;
    expect(joined.code).toBe(4);
    expect(joined.stderr).toMatch(/does not match its fingerprint/);
    await expect(fs.stat(path.join(bob.dir, 'swapped-fingerprint'))).rejects.toThrow();
  });
});
