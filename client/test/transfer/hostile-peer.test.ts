/** receiveFiles against a hand-driven sender that breaks the rules after a valid handshake. */
import { hkdfSync } from 'node:crypto';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { lengthPrefixed } from '../../src/crypto/encoding';
import { FrameDecoder, FrameType, type Frame } from '../../src/protocol';
import { receiveFiles, sendFiles } from '../../src/transfer';
import { Channel } from '../../src/transfer/channel';
import { ChunkOpener, ChunkSealer } from '../../src/transfer/chunk-cipher';
import { FileHasher } from '../../src/transfer/digests';
import { runHandshake } from '../../src/transfer/handshake-step';
import { signTransfer } from '../../src/transfer/signature';
import { duplexPair, listTree, makeContexts, makeParty, withTempDir } from './fixtures';
import { writeFile } from 'node:fs/promises';

type Contexts = ReturnType<typeof makeContexts>;

/** Starts receiveFiles and a hostile sender that has completed a real handshake; returns the receive outcome. */
async function againstHostileSender(outDir: string, script: (ch: Channel, fileKey: Buffer, c: Contexts) => Promise<void>, idleTimeoutMs = 2000) {
  const contexts = makeContexts();
  const [a, b] = duplexPair();
  const receiving = receiveFiles(b, contexts.receiver, { outDir, idleTimeoutMs });
  const ch = new Channel(a, 2000);
  const { fileKey } = await runHandshake(ch, contexts.sender, 'sender');
  await script(ch, fileKey, contexts).catch(() => undefined);
  return receiving.then(
    () => null,
    (err: { code: string }) => err.code,
  );
}

/** Sends one honest file of `data` as file 0; returns its digests. */
async function sendFile(ch: Channel, key: Buffer, sessionId: string, data: Buffer) {
  const sealer = new ChunkSealer(key, sessionId, 0, data.length);
  await ch.send(FrameType.Chunk, sealer.seal(data));
  const hasher = new FileHasher();
  hasher.update(data);
  return hasher.digest();
}

describe(`${receiveFiles.name} against a hostile sender`, () => {
  it('refuses a manifest with a path-traversal name and writes nothing', async () => {
    await withTempDir(async (dir) => {
      const code = await againstHostileSender(join(dir, 'out'), async (ch) => {
        await ch.sendJson(FrameType.Manifest, { files: [{ name: '../escaped.txt', size: 1 }] });
      });
      expect(code).toBe('unsafe_name');
      expect(await listTree(dir)).toEqual([]);
    });
  });

  it('refuses a manifest larger than the free space and writes nothing', async () => {
    await withTempDir(async (dir) => {
      const code = await againstHostileSender(join(dir, 'out'), async (ch) => {
        await ch.sendJson(FrameType.Manifest, { files: [{ name: 'huge.bin', size: 2 ** 52 }] });
      });
      expect(code).toBe('no_space');
      expect(await listTree(dir)).toEqual([]);
    });
  });

  it('refuses a FILE_END whose digests do not match the data', async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'out');
      const code = await againstHostileSender(out, async (ch, key, c) => {
        await ch.sendJson(FrameType.Manifest, { files: [{ name: 'a.txt', size: 3 }] });
        const digests = await sendFile(ch, key, c.sender.sessionId, Buffer.from('abc'));
        await ch.sendJson(FrameType.FileEnd, { index: 0, crc32: digests.crc32, sha256: '0'.repeat(64) });
      });
      expect(code).toBe('integrity');
      expect(await listTree(out)).toEqual([]);
    });
  });

  it('refuses a trailer signed by a key other than the sender identity and keeps nothing', async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'out');
      const code = await againstHostileSender(out, async (ch, key, c) => {
        await ch.sendJson(FrameType.Manifest, { files: [{ name: 'a.txt', size: 3 }] });
        const digests = await sendFile(ch, key, c.sender.sessionId, Buffer.from('abc'));
        await ch.sendJson(FrameType.FileEnd, { index: 0, ...digests });
        const files = [{ name: 'a.txt', size: 3, ...digests }];
        const forged = signTransfer({ sessionId: c.sender.sessionId, sender: 'alice', receiver: 'bob', files }, makeParty('eve').privateKey);
        await ch.sendJson(FrameType.Trailer, { signature: forged });
      });
      expect(code).toBe('signature');
      expect(await listTree(out)).toEqual([]);
    });
  });

  it('refuses a trailer signed over a different file list', async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'out');
      const code = await againstHostileSender(out, async (ch, key, c) => {
        await ch.sendJson(FrameType.Manifest, { files: [{ name: 'a.txt', size: 3 }] });
        const digests = await sendFile(ch, key, c.sender.sessionId, Buffer.from('abc'));
        await ch.sendJson(FrameType.FileEnd, { index: 0, ...digests });
        const files = [{ name: 'other.txt', size: 3, ...digests }];
        const signature = signTransfer({ sessionId: c.sender.sessionId, sender: 'alice', receiver: 'bob', files }, c.parties.sender.privateKey);
        await ch.sendJson(FrameType.Trailer, { signature });
      });
      expect(code).toBe('signature');
      expect(await listTree(out)).toEqual([]);
    });
  });

  it('keeps a completed file when everything checks out (control for the cases above)', async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'out');
      const code = await againstHostileSender(out, async (ch, key, c) => {
        await ch.sendJson(FrameType.Manifest, { files: [{ name: 'a.txt', size: 3 }] });
        const digests = await sendFile(ch, key, c.sender.sessionId, Buffer.from('abc'));
        await ch.sendJson(FrameType.FileEnd, { index: 0, ...digests });
        const files = [{ name: 'a.txt', size: 3, ...digests }];
        const signature = signTransfer({ sessionId: c.sender.sessionId, sender: 'alice', receiver: 'bob', files }, c.parties.sender.privateKey);
        await ch.sendJson(FrameType.Trailer, { signature });
        await ch.expect(FrameType.Result);
      });
      expect(code).toBeNull();
      expect(await listTree(out)).toEqual(['a.txt']);
    });
  });

  it('reports a silent sender as a timeout and keeps nothing', async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'out');
      const code = await againstHostileSender(out, async (ch) => {
        await ch.sendJson(FrameType.Manifest, { files: [{ name: 'a.txt', size: 3 }] });
      }, 200);
      expect(code).toBe('timeout');
      expect(await listTree(out)).toEqual([]);
    });
  });
});

describe('a recorded transfer', () => {
  it('cannot be decrypted with the server session key alone', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'secret.txt'), 'attack at dawn');
      const tap = (into: Frame[]) => {
        const decoder = new FrameDecoder();
        return new Transform({
          transform(chunk: Buffer, _enc, cb) {
            into.push(...decoder.push(chunk));
            cb(null, chunk);
          },
        });
      };
      const fromSender: Frame[] = [];
      const fromReceiver: Frame[] = [];
      const c = makeContexts();
      const [a, b] = duplexPair(tap(fromSender), tap(fromReceiver));
      await Promise.all([
        sendFiles(a, c.sender, [join(dir, 'secret.txt')]),
        receiveFiles(b, c.receiver, { outDir: join(dir, 'out') }),
      ]);
      const helloS = fromSender.find((f) => f.type === FrameType.Hello)!.payload;
      const helloR = fromReceiver.find((f) => f.type === FrameType.Hello)!.payload;
      const chunk = fromSender.find((f) => f.type === FrameType.Chunk)!.payload;
      const { createHash } = await import('node:crypto');
      const salt = createHash('sha256').update(lengthPrefixed(helloS, helloR)).digest();
      const info = lengthPrefixed('sft/v1/file-key', c.sender.sessionId, 'alice', 'bob');
      const guesses = [
        c.sessionKey,
        Buffer.from(hkdfSync('sha256', c.sessionKey, salt, info, 32)),
        Buffer.from(hkdfSync('sha256', Buffer.concat([c.sessionKey, Buffer.alloc(32)]), salt, info, 32)),
      ];
      for (const key of guesses) {
        expect(() => new ChunkOpener(key, c.sender.sessionId, 0, 14).open(chunk)).toThrow(expect.objectContaining({ code: 'integrity' }));
      }
    });
  });
});

describe(`${sendFiles.name} against a receiver that stops reading`, () => {
  it('gives up with "timeout" instead of waiting forever', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'big.bin'), Buffer.alloc(8 * 1024 * 1024));
      const c = makeContexts();
      const [a, b] = duplexPair();
      // A receiver that answers the handshake and then never reads again.
      const ch = new Channel(b, 5000);
      const handshake = runHandshake(ch, c.receiver, 'receiver');
      const sending = sendFiles(a, c.sender, [join(dir, 'big.bin')], {}, { idleTimeoutMs: 300 });
      await handshake;
      b.pause();
      await expect(sending).rejects.toMatchObject({ code: 'timeout' });
    });
  });
});
