/**
 * Issue 13: the server is blind to stored deliveries. With everything the server holds — its data dir
 * (blobs, secrets, SQLite database) and the master key in it — a delivery's plaintext appears nowhere, and
 * the delivery's server key, decrypted from the database with the master key, opens no chunk, neither used
 * directly nor as the file key's only input. The recipient, who adds the X25519 secret, opens it.
 */
import { createDecipheriv, createHash, hkdfSync } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryDatabase } from '../../server/test/support/db-rows';
import { lengthPrefixed } from '../../client/src/crypto/encoding';
import { ChunkOpener, CHUNK_SIZE, TAG_SIZE } from '../../client/src/transfer/chunk-cipher';
import { streamId } from '../../client/src/delivery/stored-format';
import { expectExit, SftUser, startSftServer, type SftServer } from '../support/sft-process';

let server: SftServer;
let alice: SftUser;
let bob: SftUser;
const MARKER = 'THE-PLAINTEXT-MARKER-4f1c2b';

beforeAll(async () => {
  server = await startSftServer();
  [alice, bob] = await Promise.all(['alice', 'bob'].map((name) => SftUser.create(name, server)));
  await Promise.all([alice.register(), bob.register()]);
  await fs.writeFile(path.join(alice.dir, 'secret.txt'), `${MARKER}\n`.repeat(20_000)); // > 1 chunk
});

afterAll(async () => {
  await server?.stop();
  await Promise.all([alice, bob].map((user) => user?.cleanUp()));
});

async function everyFile(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await everyFile(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

describe('a stored delivery on the server', () => {
  it('holds no plaintext anywhere, and the server key (via the master key) decrypts nothing; the recipient decrypts it', async () => {
    const sent = expectExit(await alice.run(['send', 'secret.txt', '--to', 'bob', '--json']), 0);
    const id = sent.stdout.trim().split('\n').map((line) => JSON.parse(line)).find((e) => e.event === 'delivery-stored').id as string;
    const rowId = id.replace(/-/g, '');

    const files = await everyFile(server.dataDir);
    expect(files.some((f) => f.endsWith(`${rowId}.blob`))).toBe(true);
    for (const file of files) {
      const bytes = await fs.readFile(file);
      expect(bytes.includes(Buffer.from(MARKER)), `${file} holds plaintext`).toBe(false);
      expect(bytes.includes(Buffer.from(MARKER, 'utf16le'))).toBe(false);
    }

    const masterKey = Buffer.from((await fs.readFile(path.join(server.dataDir, 'master.key'), 'utf8')).trim(), 'base64');
    const [row] = await queryDatabase<{ encrypted_key: string; ephemeral_key: string; sender_username: string; recipient_username: string }>(
      `sqlite:${path.join(server.dataDir, 'sft.sqlite')}`,
      'SELECT encrypted_key, ephemeral_key, sender_username, recipient_username FROM deliveries WHERE id = ?',
      [rowId],
    );
    const stored = Buffer.from(row.encrypted_key, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', masterKey, stored.subarray(0, 12));
    decipher.setAAD(Buffer.from(`sft-session-key:delivery/${rowId}`));
    decipher.setAuthTag(stored.subarray(12, 28));
    const serverKey = Buffer.concat([decipher.update(stored.subarray(28)), decipher.final()]);
    expect(serverKey).toHaveLength(32);

    const blob = await fs.readFile(path.join(server.dataDir, 'deliveries', `${rowId}.blob`));
    const size = (await fs.stat(path.join(alice.dir, 'secret.txt'))).size;
    const firstChunk = blob.subarray(0, Math.min(CHUNK_SIZE, size) + TAG_SIZE);
    const info = lengthPrefixed('sft/v1/delivery-file-key', id, row.sender_username, row.recipient_username);
    const salt = createHash('sha256').update(Buffer.from(row.ephemeral_key, 'base64')).digest();
    const guesses = [
      serverKey,
      Buffer.from(hkdfSync('sha256', serverKey, salt, info, 32)),
      Buffer.from(hkdfSync('sha256', serverKey, Buffer.alloc(32), info, 32)),
      Buffer.from(hkdfSync('sha256', Buffer.concat([serverKey, Buffer.alloc(32)]), salt, info, 32)),
    ];
    for (const key of guesses) {
      expect(() => new ChunkOpener(key, streamId(id), 0, size).open(firstChunk)).toThrow(/failed authentication/);
    }

    expectExit(await bob.run(['receive', id, '--out', 'in']), 0);
    expect(await fs.readFile(path.join(bob.dir, 'in', 'secret.txt'), 'utf8')).toBe(`${MARKER}\n`.repeat(20_000));
    const [after] = await queryDatabase<{ encrypted_key: string | null }>(`sqlite:${path.join(server.dataDir, 'sft.sqlite')}`, 'SELECT encrypted_key FROM deliveries WHERE id = ?', [rowId]);
    expect(after.encrypted_key).toBeNull();
  });
});
