/** The real sendFiles against a receiver that lies in its HELLO, its ERROR or its RESULT, or stalls. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FrameType } from '../../client/src/protocol';
import { printError } from '../../client/src/run';
import { sendFiles, TransferError } from '../../client/src/transfer';
import { withArena } from '../support/hostile-peer/fs-snapshot';
import { attackSender } from '../support/hostile-peer/hostile-receiver';
import { makeParty } from '../support/hostile-peer/parties';

/** Runs `fn` with one small file to send. */
async function withFile<T>(fn: (path: string) => Promise<T>): Promise<T> {
  return withArena(async (arena) => {
    const path = join(arena.outside, 'secret.pdf');
    await writeFile(path, 'confidential');
    return fn(path);
  });
}

describe(`${sendFiles.name} against a hostile receiver`, () => {
  it('refuses a receiver whose HELLO is signed by another key, before sending the manifest or any chunk', async () => {
    await withFile(async (path) => {
      const outcome = await attackSender([path], (r) => r.readUntil(FrameType.Trailer).then(() => undefined), {
        helloLie: { identityKey: makeParty('mallory').privateKey },
      });
      expect(outcome.error).toBeInstanceOf(TransferError);
      expect(outcome.error).toMatchObject({ code: 'signature' });
      expect(outcome.seen).not.toContain(FrameType.Manifest);
      expect(outcome.seen).not.toContain(FrameType.Chunk);
    });
  });

  it('refuses a receiver that claims another username, before any chunk', async () => {
    await withFile(async (path) => {
      const outcome = await attackSender([path], (r) => r.readUntil(FrameType.Trailer).then(() => undefined), { helloLie: { username: 'mallory' } });
      expect(outcome.error).toMatchObject({ code: 'signature' });
      expect(outcome.seen).not.toContain(FrameType.Chunk);
    });
  });

  it('fails with "peer_error" when the receiver answers RESULT not ok', async () => {
    await withFile(async (path) => {
      const outcome = await attackSender([path], async (r) => {
        await r.readUntil(FrameType.Trailer);
        await r.send(FrameType.Result, { ok: false, reason: 'no' });
      });
      expect(outcome.error).toMatchObject({ code: 'peer_error', remote: true });
    });
  });

  it('shows the control characters of a peer ERROR message escaped', async () => {
    await withFile(async (path) => {
      const outcome = await attackSender([path], async (r) => {
        await r.readUntil(FrameType.Manifest);
        await r.send(FrameType.Error, { code: 'integrity', message: '\u001b[2J\u001b]0;owned\u0007all good\r\n' });
      });
      expect(outcome.error).toMatchObject({ code: 'integrity', remote: true });
      // eslint-disable-next-line no-control-regex -- asserting control characters are absent
      expect((outcome.error as Error).message).not.toMatch(/[\u0000-\u001f]/);
    });
  });

  it('maps an unknown peer ERROR code to "peer_error"', async () => {
    await withFile(async (path) => {
      const outcome = await attackSender([path], async (r) => {
        await r.readUntil(FrameType.Manifest);
        await r.send(FrameType.Error, { code: 'rm -rf', message: 'x' });
      });
      expect(outcome.error).toMatchObject({ code: 'peer_error' });
    });
  });

  it('gives up with "timeout" on a receiver that completes the handshake and then stops reading', async () => {
    await withArena(async (arena) => {
      const path = join(arena.outside, 'big.bin');
      await writeFile(path, Buffer.alloc(8 * 1024 * 1024));
      const outcome = await attackSender([path], async (r) => void r.channel.stream.pause(), { idleTimeoutMs: 300 });
      expect(outcome.error).toMatchObject({ code: 'timeout' });
    });
  });

  it('times out a receiver that never answers the trailer', async () => {
    await withFile(async (path) => {
      const outcome = await attackSender([path], (r) => r.readUntil(FrameType.Trailer).then(() => undefined), { idleTimeoutMs: 300 });
      expect(outcome.error).toMatchObject({ code: 'timeout' });
    });
  });
});

/** Clears the screen and sets the terminal title: what a hostile peer would like us to print. */
const ESCAPES = '\u001b[2J\u001b]0;pwned\u0007';

/** What `sft` would print on stderr for `error`. */
function printed(error: unknown): string {
  let text = '';
  printError(error, { write: (chunk: string) => ((text += chunk), true) } as never, {});
  return text;
}

describe('peer-supplied text in what sft prints of a hostile receiver', () => {
  it('escapes the reason a receiver gives in RESULT {ok:false}', async () => {
    await withFile(async (path) => {
      const outcome = await attackSender([path], async (r) => {
        await r.readUntil(FrameType.Trailer);
        await r.send(FrameType.Result, { ok: false, reason: ESCAPES });
      });
      expect(outcome.error).toMatchObject({ code: 'peer_error' });
      expect(printed(outcome.error)).toContain('\\u001b[2J');
      expect(printed(outcome.error)).not.toContain('\u001b');
    });
  });

  it('escapes the username a peer claims in its HELLO', async () => {
    await withFile(async (path) => {
      const outcome = await attackSender([path], async (r) => void (await r.readUntil(FrameType.Trailer)), {
        helloLie: { username: `${ESCAPES}bob` },
      });
      expect(outcome.error).toMatchObject({ code: 'signature' });
      expect(printed(outcome.error)).toContain('\\u001b[2J');
      expect(printed(outcome.error)).not.toContain('\u001b');
    });
  });
});
