import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FrameType } from '../../src/protocol';
import { cleanStalePartials, discardPartial, receiveFiles, sendFiles } from '../../src/transfer';
import { CHUNK_SIZE } from '../../src/transfer/chunk-cipher';
import { OutputDir } from '../../src/transfer/output';
import { signResumeDigests } from '../../src/transfer/signature';
import { attackReceiver, attackSender, listTree, makeContexts, makeParty, watchedLink, withTempDir, type Contexts } from '../../../test/support/hostile-peer';
import { reason, value } from '../helpers/settled';

const MiB = CHUNK_SIZE;

interface Attempt {
  sent: PromiseSettledResult<Awaited<ReturnType<typeof sendFiles>>>;
  received: PromiseSettledResult<Awaited<ReturnType<typeof receiveFiles>>>;
  /** CHUNK plaintext bytes that crossed this link. */
  chunkBytes: number;
  types: number[];
  notes: { sender: string[]; receiver: string[] };
}

/**
 * One attempt of a session: sendFiles against receiveFiles (keepPartial) over an in-memory link. With
 * `cutAfterChunks`, the link holds still after that many CHUNKs, waits until the receiver wrote
 * `cutWhenOnDisk` bytes into its temp files, and is cut.
 */
async function attempt(contexts: Contexts, paths: string[], outDir: string, opts: { cutAfterChunks?: number; cutWhenOnDisk?: number } = {}): Promise<Attempt> {
  const link = watchedLink({ stallAfterChunks: opts.cutAfterChunks });
  const notes = { sender: [] as string[], receiver: [] as string[] };
  const sending = sendFiles(link.ends[0], contexts.sender, paths, { onNote: (n) => notes.sender.push(n) }, { idleTimeoutMs: 10_000 });
  const receiving = receiveFiles(link.ends[1], contexts.receiver, { outDir, keepPartial: true, idleTimeoutMs: 10_000 }, { onNote: (n) => notes.receiver.push(n) });
  if (opts.cutAfterChunks !== undefined) {
    await link.stalled;
    while ((await partBytes(outDir)) < (opts.cutWhenOnDisk ?? 0)) await new Promise((r) => setTimeout(r, 5));
    link.cut();
  }
  const [sent, received] = await Promise.allSettled([sending, receiving]);
  return { sent, received, chunkBytes: link.chunks.plainBytes, types: link.types, notes };
}

/** Bytes in the `.sft-*.part` files anywhere under `dir`. */
async function partBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await listTree(dir).catch(() => [] as string[])) {
    if (/\.sft-[0-9a-f]{24}\.part$/.test(name)) total += (await stat(join(dir, name))).size;
  }
  return total;
}

const sidecarOf = (c: Contexts) => `.sft-resume-${c.sessionId}.json`;

describe('resume', () => {
  it('negotiates nothing on a first attempt and sends every byte', async () => {
    await withTempDir(async (dir) => {
      const data = randomBytes(2 * MiB + 5);
      await writeFile(join(dir, 'f.bin'), data);
      const out = join(dir, 'out');
      const run = await attempt(makeContexts(), [join(dir, 'f.bin')], out);
      expect(value(run.received)).toMatchObject({ bytes: data.length, linkBytes: data.length, resumedBytes: 0 });
      expect(value(run.sent)).toMatchObject({ linkBytes: data.length, resumedBytes: 0 });
      expect(run.chunkBytes).toBe(data.length);
      expect(run.types).not.toContain(FrameType.Digests);
      expect(await listTree(out)).toEqual(['f.bin']); // the sidecar is gone once the file is in place
    });
  });

  it('keeps the temp file and the sidecar when the link is cut mid-file (keepPartial)', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'f.bin'), randomBytes(6 * MiB));
      const out = join(dir, 'out');
      const contexts = makeContexts();
      const run = await attempt(contexts, [join(dir, 'f.bin')], out, { cutAfterChunks: 3, cutWhenOnDisk: 3 * MiB });
      expect(reason(run.received).code).toBe('peer_closed');
      const left = await listTree(out);
      expect(left).toContain(sidecarOf(contexts));
      expect(left.filter((n) => n.endsWith('.part'))).toHaveLength(1);
      expect(left).not.toContain('f.bin');
      expect((await stat(join(out, sidecarOf(contexts)))).mode & 0o777).toBe(0o600);
    });
  });

  it('resumes on the next attempt of the same session: only the rest crosses, byte-exact', async () => {
    await withTempDir(async (dir) => {
      const data = randomBytes(6 * MiB + 123);
      await writeFile(join(dir, 'f.bin'), data);
      const out = join(dir, 'out');
      const contexts = makeContexts();
      await attempt(contexts, [join(dir, 'f.bin')], out, { cutAfterChunks: 3, cutWhenOnDisk: 3 * MiB });
      const second = await attempt(contexts, [join(dir, 'f.bin')], out);
      const received = value(second.received);
      expect(received.resumedBytes).toBeGreaterThanOrEqual(3 * MiB);
      expect(second.chunkBytes).toBe(data.length - received.resumedBytes);
      expect(received.linkBytes).toBe(second.chunkBytes);
      expect(value(second.sent)).toMatchObject({ linkBytes: second.chunkBytes, resumedBytes: received.resumedBytes });
      expect((await readFile(join(out, 'f.bin'))).equals(data)).toBe(true);
      expect(await listTree(out)).toEqual(['f.bin']);
    });
  });

  it('starts a file over when the source changed between attempts, and says so on both sides', async () => {
    await withTempDir(async (dir) => {
      const source = join(dir, 'f.bin');
      await writeFile(source, randomBytes(4 * MiB));
      const out = join(dir, 'out');
      const contexts = makeContexts();
      await attempt(contexts, [source], out, { cutAfterChunks: 2, cutWhenOnDisk: 2 * MiB });
      const changed = randomBytes(4 * MiB);
      await writeFile(source, changed);
      await utimes(source, new Date(), new Date(Date.now() + 60_000)); // the same size, another mtime
      const second = await attempt(contexts, [source], out);
      expect(value(second.received)).toMatchObject({ resumedBytes: 0, linkBytes: changed.length });
      expect(second.chunkBytes).toBe(changed.length);
      expect(second.notes.sender.join('\n')).toMatch(/"f\.bin" changed at the sender since the last attempt; it is sent again from the start/);
      expect(second.notes.receiver.join('\n')).toMatch(/"f\.bin" changed at the sender since the last attempt/);
      expect((await readFile(join(out, 'f.bin'))).equals(changed)).toBe(true);
    });
  });

  it('refetches the chunks of a partial file tampered on disk between attempts', async () => {
    await withTempDir(async (dir) => {
      const data = randomBytes(5 * MiB);
      await writeFile(join(dir, 'f.bin'), data);
      const out = join(dir, 'out');
      const contexts = makeContexts();
      await attempt(contexts, [join(dir, 'f.bin')], out, { cutAfterChunks: 4, cutWhenOnDisk: 4 * MiB });
      const part = (await readdir(out)).find((n) => n.endsWith('.part'))!;
      const handle = await open(join(out, part), 'r+');
      await handle.write(Buffer.from([0xff ^ data[MiB + 10]]), 0, 1, MiB + 10); // a byte of chunk 1
      await handle.close();
      const second = await attempt(contexts, [join(dir, 'f.bin')], out);
      expect(value(second.received).resumedBytes).toBe(MiB); // chunk 0 verified; 1 and on cross again
      expect(second.chunkBytes).toBe(data.length - MiB);
      expect((await readFile(join(out, 'f.bin'))).equals(data)).toBe(true);
    });
  });

  it('does not send again the files finished before the cut', async () => {
    await withTempDir(async (dir) => {
      const files = [randomBytes(2 * MiB), randomBytes(MiB + 7), randomBytes(2 * MiB)];
      const paths = files.map((_, i) => join(dir, `f${i}.bin`));
      for (const [i, f] of files.entries()) await writeFile(paths[i], f);
      const out = join(dir, 'out');
      const contexts = makeContexts();
      // Cut after the fourth CHUNK: the last of f1, before its FILE_END.
      await attempt(contexts, paths, out, { cutAfterChunks: 4, cutWhenOnDisk: files[0].length + files[1].length });
      const second = await attempt(contexts, paths, out);
      expect(value(second.received).resumedBytes).toBe(files[0].length + files[1].length);
      expect(second.chunkBytes).toBe(files[2].length);
      for (const [i, f] of files.entries()) expect((await readFile(join(out, `f${i}.bin`))).equals(f)).toBe(true);
    });
  });

  it('fails "io" when the source is now shorter than the prefix the receiver claims', async () => {
    await withTempDir(async (dir) => {
      const source = join(dir, 'f.bin');
      await writeFile(source, randomBytes(4 * MiB));
      const { mtime, atime } = await stat(source);
      const outcome = await attackSender(
        [source],
        async (r) => {
          await r.readUntil(FrameType.Manifest); // announced at 4 MiB; now it shrinks, its mtime kept
          await writeFile(source, randomBytes(MiB));
          await utimes(source, atime, mtime);
          await r.send(FrameType.Have, { files: [{ index: 0, chunks: 3 }], changed: [] });
          await r.readUntil(FrameType.Digests);
        },
        { have: null },
      );
      expect(outcome.error).toMatchObject({ code: 'io' });
      expect(outcome.seen).not.toContain(FrameType.Digests);
    });
  });

  it('refuses DIGESTS with a bad signature ("signature") and keeps nothing', async () => {
    await withTempDir(async (dir) => {
      const data = randomBytes(3 * MiB);
      const source = join(dir, 'f.bin');
      await writeFile(source, data);
      const out = join(dir, 'out');
      const contexts = makeContexts();
      await attempt(contexts, [source], out, { cutAfterChunks: 2, cutWhenOnDisk: 2 * MiB });
      const { mtimeMs } = await stat(source);
      const outcome = await attackReceiver({ outDir: out, contexts, keepPartial: true }, async (s) => {
        await s.manifest([{ name: 'f.bin', size: data.length, mtime: Math.floor(mtimeMs) }]);
        const claim = s.have!.files[0];
        const digests = Array.from({ length: claim.chunks }, () => randomBytes(32).toString('hex'));
        const signed = { sessionId: s.sessionId, sender: 'alice', receiver: 'bob', files: [{ index: 0, name: 'f.bin', size: data.length, mtime: Math.floor(mtimeMs), digests }] };
        const signature = signResumeDigests(signed, makeParty('mallory').privateKey);
        await s.frame(FrameType.Digests, Buffer.from(JSON.stringify({ files: [{ index: 0, digests }], signature })));
        await s.result();
      });
      expect(outcome.error).toMatchObject({ code: 'signature' });
      expect(await listTree(dir)).toEqual(['f.bin']); // no out/: temp file, sidecar and the directory are gone
    });
  });

  it('refuses a HAVE that names a file out of range or claims too many chunks ("protocol")', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'f.bin'), randomBytes(MiB + 1));
      for (const have of [{ files: [{ index: 1, chunks: 1 }], changed: [] }, { files: [{ index: 0, chunks: 3 }], changed: [] }, { files: [], changed: [0, 0] }]) {
        const outcome = await attackSender([join(dir, 'f.bin')], (r) => r.readUntil(FrameType.Chunk).then(() => undefined), { have });
        expect(outcome.error).toMatchObject({ code: 'protocol' });
        expect(outcome.seen).not.toContain(FrameType.Chunk);
      }
    });
  });

  it('refuses a RESUME that starts past what was claimed ("protocol")', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'f.bin'), randomBytes(3 * MiB));
      const outcome = await attackSender(
        [join(dir, 'f.bin')],
        async (r) => {
          await r.readUntil(FrameType.Digests);
          await r.send(FrameType.Resume, { files: [{ index: 0, from: 3 }] });
          await r.readUntil(FrameType.Chunk);
        },
        { have: { files: [{ index: 0, chunks: 2 }], changed: [] } },
      );
      expect(outcome.error).toMatchObject({ code: 'protocol' });
      expect(outcome.seen).toContain(FrameType.Digests);
      expect(outcome.seen).not.toContain(FrameType.Chunk);
    });
  });

  it('discardPartial removes the temp files, the sidecar and the directories the session created', async () => {
    await withTempDir(async (dir) => {
      const source = join(dir, 'tree');
      await mkdir(join(source, 'sub'), { recursive: true });
      await writeFile(join(source, 'sub', 'x.bin'), randomBytes(3 * MiB));
      const out = join(dir, 'out', 'deeper');
      const contexts = makeContexts();
      await attempt(contexts, [source], out, { cutAfterChunks: 1, cutWhenOnDisk: MiB });
      expect(await listTree(out)).toContain(sidecarOf(contexts));
      await discardPartial(out, contexts.sessionId);
      expect(await readdir(dir)).toEqual(['tree']); // out/ and out/deeper were ours
    });
  });
});

describe(cleanStalePartials.name, () => {
  /** Leaves the resume state of `sessionId` in `out`: a sidecar and one partial temp file. */
  async function leavePartial(out: string, sessionId: string): Promise<void> {
    const output = new OutputDir(out, false, sessionId);
    await output.prepare([{ name: `${sessionId}.bin`, size: 10, mtime: 1 }] as never);
    const temp = await output.createTemp(`${sessionId}.bin`);
    await temp.write(Buffer.from('12345'), 0, 5);
    await output.keep();
  }

  it("removes a closed session's partials and keeps the current one's, and old unnamed temp files", async () => {
    await withTempDir(async (out) => {
      await leavePartial(out, 'closed-one');
      await leavePartial(out, 'current-one');
      await leavePartial(out, 'still-open');
      const orphan = '.sft-0123456789abcdef01234567.part';
      await writeFile(join(out, orphan), 'old');
      const twoDaysAgo = new Date(Date.now() - 48 * 3600_000);
      await utimes(join(out, orphan), twoDaysAgo, twoDaysAgo);
      const removed = await cleanStalePartials(out, { currentSessionId: 'current-one', isClosed: async (id) => id === 'closed-one', maxAgeMs: 24 * 3600_000 });
      expect(removed).toEqual([
        { sessionId: 'closed-one', files: [expect.stringMatching(/^\.sft-[0-9a-f]{24}\.part$/)] },
        { sessionId: null, files: [orphan] },
      ]);
      const left = await listTree(out);
      expect(left).toContain('.sft-resume-current-one.json');
      expect(left).toContain('.sft-resume-still-open.json');
      expect(left).not.toContain('.sft-resume-closed-one.json');
      expect(left.filter((n) => n.endsWith('.part'))).toHaveLength(2);
    });
  });
});
