import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deps } from '../../src/commands/deps';
import { parseVerificationPhrase, phraseConfirmer } from '../../src/commands/verify-phrase';
import { receiveFiles, sendFiles } from '../../src/transfer';
import { makeTestDeps } from '../helpers/fake-deps';
import { duplexPair, makeContexts, withTempDir } from '../../../test/support/hostile-peer';

let cleanUp: () => Promise<void> = async () => undefined;
afterEach(() => cleanUp());

/** Deps whose stdin is a fake terminal; `type` sends keystrokes once the prompt is drawn. */
async function terminalDeps() {
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  const screen = new PassThrough();
  let drawn = '';
  screen.on('data', (chunk: Buffer) => (drawn += chunk.toString('utf8')));
  const t = await makeTestDeps({ stdin, promptOutput: screen });
  cleanUp = t.cleanUp;
  const type = async (keys: string) => {
    while (!drawn.includes('(y/N)')) await new Promise((resolve) => setTimeout(resolve, 10));
    stdin.write(keys);
  };
  return { deps: t.deps, type, drawn: () => drawn };
}

describe(parseVerificationPhrase.name, () => {
  it('accepts the six digits with or without the space', () => {
    expect(parseVerificationPhrase('123 456')).toBe('123456');
    expect(parseVerificationPhrase('123456')).toBe('123456');
  });

  it('refuses anything but six digits', () => {
    for (const bad of ['12345', '1234567', 'abc def', '']) expect(() => parseVerificationPhrase(bad)).toThrow(/six digits/);
  });
});

describe(phraseConfirmer.name, () => {
  it('asks for nothing without --verify', async () => {
    const t = await makeTestDeps();
    cleanUp = t.cleanUp;
    expect(phraseConfirmer({}, t.deps, () => 'bob')).toBeUndefined();
  });

  it('refuses --verify when stdin is not a terminal (exit 2), naming --verify-phrase', async () => {
    const t = await makeTestDeps({ stdin: Object.assign(Readable.from([]), { isTTY: false }) as Deps['stdin'] });
    cleanUp = t.cleanUp;
    expect(() => phraseConfirmer({ verify: true }, t.deps, () => 'bob')).toThrow(expect.objectContaining({ exitCode: 2, hint: expect.stringMatching(/--verify-phrase/) }));
  });

  it('compares --verify-phrase with the phrase of the handshake', async () => {
    const t = await makeTestDeps();
    cleanUp = t.cleanUp;
    const confirm = phraseConfirmer({ verifyPhrase: '123456' }, t.deps, () => 'bob')!;
    const signal = new AbortController().signal;
    expect(await confirm('123 456', signal)).toBe(true);
    expect(await confirm('123 457', signal)).toBe(false);
  });

  it('shows the phrase on the terminal and goes on when the user answers yes', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'a.txt'), 'hello');
      const { deps, type, drawn } = await terminalDeps();
      const c = makeContexts();
      const [a, b] = duplexPair();
      const receiving = receiveFiles(b, c.receiver, { outDir: join(dir, 'out'), confirmPhrase: phraseConfirmer({ verify: true }, deps, () => 'alice') });
      const sending = sendFiles(a, c.sender, [join(dir, 'a.txt')]);
      await type('y\n');
      const [, received] = await Promise.all([sending, receiving]);
      expect(drawn()).toContain(`Does alice see the verification phrase ${received.verificationPhrase}?`);
      expect(await readdir(join(dir, 'out'))).toEqual(['a.txt']);
    });
  });

  it('stops both sides and writes nothing when the user answers no (the default)', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'a.txt'), 'hello');
      const { deps, type } = await terminalDeps();
      const c = makeContexts();
      const [a, b] = duplexPair();
      const receiving = receiveFiles(b, c.receiver, { outDir: join(dir, 'out'), confirmPhrase: phraseConfirmer({ verify: true }, deps, () => 'alice') });
      const sending = sendFiles(a, c.sender, [join(dir, 'a.txt')]);
      await type('\n');
      const [sent, received] = await Promise.allSettled([sending, receiving]);
      expect(received).toMatchObject({ status: 'rejected', reason: { code: 'verification' } });
      expect(sent).toMatchObject({ status: 'rejected', reason: { code: 'verification', remote: true } });
      expect(await readdir(join(dir, 'out')).catch(() => [])).toEqual([]);
    });
  });
});
