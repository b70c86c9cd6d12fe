/**
 * Security review (SPEC §5 "names from the peer are never trusted"): strings a peer sends end up in our
 * error messages; what the CLI prints of them (client/src/run.ts printError) must not drive the terminal.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FrameType } from '../../client/src/protocol';
import { printError } from '../../client/src/run';
import { withArena } from '../adversary/toolkit/fs-snapshot';
import { attackSender } from '../adversary/toolkit/hostile-receiver';

/** Clears the screen and sets the terminal title: what a hostile peer would like us to print. */
const ESCAPES = '\u001b[2J\u001b]0;pwned\u0007';

/** What `sft` would print on stderr for `error`. */
function printed(error: unknown): string {
  let text = '';
  printError(error, { write: (chunk: string) => ((text += chunk), true) } as never, {});
  return text;
}

async function withFile<T>(fn: (path: string) => Promise<T>): Promise<T> {
  return withArena(async (arena) => {
    const path = join(arena.outside, 'report.pdf');
    await writeFile(path, 'contents');
    return fn(path);
  });
}

describe('review: peer-supplied text in error messages', () => {
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
