import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, FrameType, type Frame } from '../../src/protocol';
import { receiveFiles, sendFiles } from '../../src/transfer';
import { runConfirmation } from '../../src/transfer/handshake-step';
import { duplexPair, makeContexts, withTempDir } from '../../../test/support/hostile-peer';

/** Records the frames passing in one direction. */
function tap(into: Frame[]): Transform {
  const decoder = new FrameDecoder();
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      into.push(...decoder.push(chunk));
      cb(null, chunk);
    },
  });
}

const answer = (value: boolean, delayMs = 0) => () => new Promise<boolean>((resolve) => setTimeout(() => resolve(value), delayMs));

async function setUp(dir: string) {
  await writeFile(join(dir, 'secret.txt'), 'attack at dawn');
  const fromSender: Frame[] = [];
  const [a, b] = duplexPair(tap(fromSender));
  return { a, b, fromSender, file: join(dir, 'secret.txt'), out: join(dir, 'out'), c: makeContexts() };
}

describe(runConfirmation.name, () => {
  it('lets the transfer go on when the receiving user confirms the phrase, and tells the sender it waits', async () => {
    await withTempDir(async (dir) => {
      const { a, b, file, out, c } = await setUp(dir);
      const waited: string[] = [];
      let shown = '';
      const [sent, received] = await Promise.all([
        sendFiles(a, c.sender, [file], { onPeerConfirming: () => waited.push('sender') }),
        receiveFiles(b, c.receiver, { outDir: out, confirmPhrase: (phrase) => ((shown = phrase), Promise.resolve(true)) }),
      ]);
      expect(waited).toEqual(['sender']);
      expect(shown).toBe(received.verificationPhrase);
      expect(sent.verificationPhrase).toBe(received.verificationPhrase);
      expect(await readdir(out)).toEqual(['secret.txt']);
    });
  });

  it('stops both sides with "verification" before the manifest when the receiving user says no', async () => {
    await withTempDir(async (dir) => {
      const { a, b, fromSender, file, out, c } = await setUp(dir);
      const [sent, received] = await Promise.allSettled([
        sendFiles(a, c.sender, [file]),
        receiveFiles(b, c.receiver, { outDir: out, confirmPhrase: answer(false) }),
      ]);
      expect(received).toMatchObject({ status: 'rejected', reason: { code: 'verification', remote: false } });
      expect(sent).toMatchObject({ status: 'rejected', reason: { code: 'verification', remote: true } });
      expect(fromSender.map((f) => FrameType[f.type])).toEqual(['Hello']);
      expect(await readdir(out).catch(() => [])).toEqual([]);
    });
  });

  it('stops both sides with "verification" before the manifest when the sending user says no', async () => {
    await withTempDir(async (dir) => {
      const { a, b, fromSender, file, out, c } = await setUp(dir);
      const [sent, received] = await Promise.allSettled([
        sendFiles(a, c.sender, [file], {}, { confirmPhrase: answer(false) }),
        receiveFiles(b, c.receiver, { outDir: out }),
      ]);
      expect(sent).toMatchObject({ status: 'rejected', reason: { code: 'verification', remote: false } });
      expect(received).toMatchObject({ status: 'rejected', reason: { code: 'verification', remote: true } });
      expect(fromSender.map((f) => FrameType[f.type])).toEqual(['Hello', 'Error']);
      expect(await readdir(out).catch(() => [])).toEqual([]);
    });
  });

  it('keeps the other side waiting past its idle timeout while a user confirms', async () => {
    await withTempDir(async (dir) => {
      const { a, b, file, out, c } = await setUp(dir);
      // Both idle timeouts are far shorter than the human's answer; the confirmation step has its own.
      const [sent] = await Promise.all([
        sendFiles(a, c.sender, [file], {}, { idleTimeoutMs: 50, confirmPhrase: answer(true, 400) }),
        receiveFiles(b, c.receiver, { outDir: out, idleTimeoutMs: 50, confirmPhrase: answer(true, 200) }),
      ]);
      expect(sent.files).toHaveLength(1);
      expect(await readdir(out)).toEqual(['secret.txt']);
    });
  });

  it('stops asking and reports the peer\'s refusal when the peer says no first', async () => {
    await withTempDir(async (dir) => {
      const { a, b, file, out, c } = await setUp(dir);
      let receiverAborted = false;
      const receiverPrompt = (_phrase: string, signal: AbortSignal) =>
        new Promise<boolean>((_, reject) => signal.addEventListener('abort', () => ((receiverAborted = true), reject(new Error('aborted')))));
      const [sent, received] = await Promise.allSettled([
        sendFiles(a, c.sender, [file], {}, { confirmPhrase: answer(false, 50) }),
        receiveFiles(b, c.receiver, { outDir: out, confirmPhrase: receiverPrompt }),
      ]);
      expect(sent).toMatchObject({ status: 'rejected', reason: { code: 'verification' } });
      expect(received).toMatchObject({ status: 'rejected', reason: { code: 'verification', remote: true } });
      expect(receiverAborted).toBe(true);
      expect(await readdir(out).catch(() => [])).toEqual([]);
    });
  });
});
