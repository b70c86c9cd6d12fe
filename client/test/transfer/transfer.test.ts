import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { receiveFiles, sendFiles } from '../../src/transfer';
import { CHUNK_SIZE } from '../../src/transfer/chunk-cipher';
import { duplexPair, listTree, makeContexts, makeParty, withTempDir } from '../../../test/support/hostile-peer';
import { reason, value } from '../helpers/settled';

/** Runs a sender and a receiver against each other over an in-memory pair; returns both outcomes. */
async function run(paths: string[], outDir: string, opts: { overwrite?: boolean; aToB?: Transform; contexts?: ReturnType<typeof makeContexts> } = {}) {
  const contexts = opts.contexts ?? makeContexts();
  const [a, b] = duplexPair(opts.aToB);
  const notes: string[] = [];
  const [sent, received] = await Promise.allSettled([
    sendFiles(a, contexts.sender, paths, { onNote: (n) => notes.push(n) }),
    receiveFiles(b, contexts.receiver, { outDir, overwrite: opts.overwrite, idleTimeoutMs: 5000 }),
  ]);
  return { sent, received, notes };
}

/** Flips one byte at absolute stream offset `at`. */
function flipByteAt(at: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (at >= seen && at < seen + chunk.length) {
        chunk = Buffer.from(chunk);
        chunk[at - seen] ^= 0x01;
      }
      seen += chunk.length;
      cb(null, chunk);
    },
  });
}

describe(sendFiles.name, () => {
  it('delivers one file byte-exact with matching digests on both sides', async () => {
    await withTempDir(async (dir) => {
      const data = randomBytes(CHUNK_SIZE * 2 + 7);
      await writeFile(join(dir, 'one.bin'), data);
      const out = join(dir, 'out');
      const { sent, received } = await run([join(dir, 'one.bin')], out);
      expect((await readFile(join(out, 'one.bin'))).equals(data)).toBe(true);
      expect(value(received).files[0].sha256).toBe(createHash('sha256').update(data).digest('hex'));
      expect(value(sent).files).toEqual(value(received).files.map(({ savedAs: _s, ...f }) => f));
      expect(value(sent).verificationPhrase).toBe(value(received).verificationPhrase);
    });
  });

  it('delivers several files', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'a.txt'), 'alpha');
      await writeFile(join(dir, 'b.txt'), 'beta');
      const out = join(dir, 'out');
      const { received } = await run([join(dir, 'a.txt'), join(dir, 'b.txt')], out);
      expect(value(received).files.map((f) => f.name)).toEqual(['a.txt', 'b.txt']);
      expect(await readFile(join(out, 'b.txt'), 'utf8')).toBe('beta');
    });
  });

  it('delivers an empty file', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'empty'), '');
      const out = join(dir, 'out');
      const { received } = await run([join(dir, 'empty')], out);
      expect(value(received).bytes).toBe(0);
      expect(await readFile(join(out, 'empty'))).toHaveLength(0);
    });
  });

  it('sends a directory tree and skips symlinks with a note', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'tree/sub'), { recursive: true });
      await writeFile(join(dir, 'tree/x.txt'), 'x');
      await writeFile(join(dir, 'tree/sub/y.txt'), 'y');
      await symlink(join(dir, 'tree/x.txt'), join(dir, 'tree/link'));
      const out = join(dir, 'out');
      const { received, notes } = await run([join(dir, 'tree')], out);
      value(received);
      expect(await listTree(out)).toEqual(['tree/sub/y.txt', 'tree/x.txt']);
      expect(notes.join('\n')).toMatch(/link/);
    });
  });

  it('sends names in NFC form so the signature verifies for decomposed names', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'cafe\u0301.txt'), 'x');
      const out = join(dir, 'out');
      const { received } = await run([join(dir, 'cafe\u0301.txt')], out);
      expect(value(received).files[0].name).toBe('caf\u00e9.txt');
    });
  });

  it('refuses to send when nothing regular is given', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'empty-dir'));
      const { sent } = await run([join(dir, 'empty-dir')], join(dir, 'out'));
      expect(reason(sent).code).toBe('io');
    });
  });
});

describe(receiveFiles.name, () => {
  it('detects a byte tampered in flight and keeps nothing', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'f.bin'), randomBytes(100_000));
      const out = join(dir, 'out');
      const { sent, received } = await run([join(dir, 'f.bin')], out, { aToB: flipByteAt(5_000) });
      expect(reason(received).code).toBe('integrity');
      expect(reason(sent).code).toBe('integrity');
      expect(reason(sent).remote).toBe(true);
      expect(await listTree(dir)).toEqual(['f.bin']); // no out/: the receiver removed the directory it made
    });
  });

  it('keeps an existing file when overwrite is not set', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'a.txt'), 'new');
      const out = join(dir, 'out');
      await mkdir(out);
      await writeFile(join(out, 'a.txt'), 'old');
      const { sent, received } = await run([join(dir, 'a.txt')], out);
      expect(reason(received).code).toBe('exists');
      expect(reason(sent).code).toBe('exists');
      expect(await readFile(join(out, 'a.txt'), 'utf8')).toBe('old');
      expect(await listTree(out)).toEqual(['a.txt']);
    });
  });

  it('replaces an existing file when overwrite is set', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'a.txt'), 'new');
      const out = join(dir, 'out');
      await mkdir(out);
      await writeFile(join(out, 'a.txt'), 'old');
      const { received } = await run([join(dir, 'a.txt')], out, { overwrite: true });
      value(received);
      expect(await readFile(join(out, 'a.txt'), 'utf8')).toBe('new');
    });
  });

  it('refuses a sender whose HELLO is signed by another identity key', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'a.txt'), 'data');
      const contexts = makeContexts();
      contexts.receiver.peer.identityPublicKey = makeParty('alice').publicKey;
      const out = join(dir, 'out');
      const { received } = await run([join(dir, 'a.txt')], out, { contexts });
      expect(reason(received).code).toBe('signature');
      expect(await listTree(out).catch(() => [])).toEqual([]);
    });
  });

  it('refuses to write through a symlinked directory in the output', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'tree'));
      await writeFile(join(dir, 'tree/x.txt'), 'x');
      const out = join(dir, 'out');
      await mkdir(join(dir, 'elsewhere'));
      await mkdir(out);
      await symlink(join(dir, 'elsewhere'), join(out, 'tree'));
      const { received } = await run([join(dir, 'tree')], out);
      expect(reason(received).code).toBe('unsafe_name');
      expect(await listTree(join(dir, 'elsewhere'))).toEqual([]);
    });
  });
});
