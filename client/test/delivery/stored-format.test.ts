/** The stored format, sealed and opened in-process: every cut, splice and lie in a blob is refused and keeps nothing. */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateIdentity, privateKeyFromPem, publicKeyFromBase64 } from '../../src/crypto/identity';
import { x25519ToBase64 } from '../../src/crypto/delivery-key';
import { openDelivery } from '../../src/delivery/open-delivery';
import { inParts, sealDelivery } from '../../src/delivery/seal-delivery';
import { blobSize, deliveryFileKey } from '../../src/delivery/stored-format';
import { CHUNK_SIZE } from '../../src/transfer/chunk-cipher';
import type { LocalFile } from '../../src/transfer/manifest';

const ID = 'abcd-efgh-jkmn-pqrs';
const sender = generateIdentity();
const recipientKey = generateKeyPairSync('x25519');
let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sft-stored-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Seals `contents` as a delivery from alice to bob; answers the blob, the files and the recipient's file key. */
async function sealed(contents: Buffer[]) {
  const files: LocalFile[] = [];
  for (const [i, content] of contents.entries()) {
    const file = path.join(dir, `in-${i}`);
    await fs.writeFile(file, content);
    files.push({ path: file, name: `f${i}.bin`, size: content.length, mtime: 0 });
  }
  const serverKey = randomBytes(32);
  const ephemeral = generateKeyPairSync('x25519');
  const common = { serverKey, deliveryId: ID, sender: 'alice', recipient: 'bob' };
  const senderKey = deliveryFileKey({ ...common, privateKey: ephemeral.privateKey, peerPublicKey: x25519ToBase64(recipientKey.publicKey), role: 'sender' });
  const recipientFileKey = deliveryFileKey({ ...common, privateKey: recipientKey.privateKey, peerPublicKey: x25519ToBase64(ephemeral.publicKey), role: 'recipient' });
  const parts: Buffer[] = [];
  for await (const part of inParts(sealDelivery(files, { deliveryId: ID, fileKey: senderKey, sender: 'alice', recipient: 'bob', identityPrivateKey: privateKeyFromPem(sender.privateKeyPem) }), 1000)) parts.push(Buffer.from(part));
  return { blob: Buffer.concat(parts), files: files.map(({ name, size }) => ({ name, size })), senderKey, recipientFileKey, serverKey };
}

function open(blob: Buffer, files: { name: string; size: number }[], fileKey: Buffer, signer = sender.publicKeyBase64) {
  async function* pieces() {
    for (let i = 0; i < blob.length; i += 7777) yield blob.subarray(i, i + 7777);
  }
  return openDelivery(pieces(), files, {
    deliveryId: ID, fileKey, sender: 'alice', recipient: 'bob', senderIdentityKey: publicKeyFromBase64(signer), outDir: path.join(dir, 'out'), overwrite: false,
  });
}

const kept = async () => fs.readdir(path.join(dir, 'out')).catch(() => [] as string[]);

describe('stored deliveries', () => {
  const contents = [randomBytes(CHUNK_SIZE * 2 + 5), Buffer.alloc(0), randomBytes(100)];

  it('derives the same file key on both sides, has the announced size, and opens to the exact files', async () => {
    const s = await sealed(contents);
    expect(s.recipientFileKey.equals(s.senderKey)).toBe(true);
    expect(s.blob.length).toBe(blobSize(s.files));
    const summaries = await open(s.blob, s.files, s.recipientFileKey);
    expect(summaries.map((f) => f.name)).toEqual(['f0.bin', 'f1.bin', 'f2.bin']);
    for (const [i, content] of contents.entries()) expect((await fs.readFile(path.join(dir, 'out', `f${i}.bin`))).equals(content)).toBe(true);
  });

  it.each([
    ['a flipped bit', (b: Buffer) => Buffer.concat([b.subarray(0, 10), Buffer.from([b[10] ^ 1]), b.subarray(11)]), /integrity|authentication/],
    ['a truncated blob', (b: Buffer) => b.subarray(0, b.length - 1), /truncated|integrity|length/],
    ['bytes after the trailer', (b: Buffer) => Buffer.concat([b, Buffer.from([0])]), /after its trailer/],
    ['two chunks swapped', (b: Buffer) => Buffer.concat([b.subarray(CHUNK_SIZE + 16, 2 * (CHUNK_SIZE + 16)), b.subarray(0, CHUNK_SIZE + 16), b.subarray(2 * (CHUNK_SIZE + 16))]), /authentication/],
  ])('refuses %s and keeps nothing', async (_what, tamper, message) => {
    const s = await sealed(contents);
    await expect(open(tamper(s.blob), s.files, s.recipientFileKey)).rejects.toThrow(message);
    expect(await kept()).toEqual([]);
  });

  it('refuses a size lie in the file list, the server key alone as the key, and a signature by someone else', async () => {
    const s = await sealed(contents);
    const lie = s.files.map((f, i) => (i === 2 ? { ...f, size: f.size - 1 } : f));
    await expect(open(s.blob, lie, s.recipientFileKey)).rejects.toThrow();
    await expect(open(s.blob, s.files, s.serverKey)).rejects.toThrow(/authentication/);
    await expect(open(s.blob, s.files, s.recipientFileKey, generateIdentity().publicKeyBase64)).rejects.toMatchObject({ code: 'signature' });
    expect(await kept()).toEqual([]);
  });
});
