/**
 * Security review (SPEC §5 "names from the peer are never trusted"): strings a peer sends end up in our
 * error messages, which the CLI prints to the terminal. Tests marked `it.fails` demonstrate an open defect:
 * they pass while it exists and start failing once it is fixed (then drop the `.fails`).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FrameType } from '../../client/src/protocol';
import { withArena } from '../adversary/toolkit/fs-snapshot';
import { attackSender } from '../adversary/toolkit/hostile-receiver';

/** Clears the screen and sets the terminal title: what a hostile peer would like us to print. */
const ESCAPES = '\u001b[2J\u001b]0;pwned\u0007';

async function withFile<T>(fn: (path: string) => Promise<T>): Promise<T> {
  return withArena(async (arena) => {
    const path = join(arena.outside, 'report.pdf');
    await writeFile(path, 'contents');
    return fn(path);
  });
}

describe('review: peer-supplied text in error messages', () => {
  // DEFECT: client/src/transfer/sender.ts:57 puts RESULT.reason into the message unescaped.
  it.fails('escapes the reason a receiver gives in RESULT {ok:false}', async () => {
    await withFile(async (path) => {
      const outcome = await attackSender([path], async (r) => {
        await r.readUntil(FrameType.Trailer);
        await r.send(FrameType.Result, { ok: false, reason: ESCAPES });
      });
      expect(outcome.error).toMatchObject({ code: 'peer_error' });
      expect((outcome.error as Error).message).not.toContain('\u001b');
    });
  });

  // DEFECT: client/src/crypto/handshake.ts:123 puts the HELLO username into the message unescaped.
  it.fails('escapes the username a peer claims in its HELLO', async () => {
    await withFile(async (path) => {
      const outcome = await attackSender([path], async (r) => void (await r.readUntil(FrameType.Trailer)), {
        helloLie: { username: `${ESCAPES}bob` },
      });
      expect(outcome.error).toMatchObject({ code: 'signature' });
      expect((outcome.error as Error).message).not.toContain('\u001b');
    });
  });
});
