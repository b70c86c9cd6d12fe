/**
 * The real `sft join` and `sft host-session --receive` against a registered user turned hostile: the
 * attacker completes the real pinned TLS link and the real signed handshake (test/support/hostile-peer/e2e.ts),
 * then deviates. Every run checks the exit code, that nothing raw (control, bidi, format characters)
 * reached stdout or stderr, that the victim ended in bounded time, and, after a failure, that the
 * whole temp area (`--out`, its pre-existing file, a sibling directory) is unchanged byte for byte.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeRelativeName } from '../../client/src/transfer/names';
import { listTree, snapshotTree, withArena, type Arena } from '../support/hostile-peer/fs-snapshot';
import { hostileName } from '../support/hostile-peer/names';
import { HostileUser, victimEnds } from '../support/hostile-peer/e2e';
import type { HostileSender } from '../support/hostile-peer/hostile-sender';
import { startPausableRelay, type PausableRelay } from '../faults/support/pausable-relay';
import { SftUser, type SftResult } from '../support/sft-process';
import { startServerWithUsers, type ServerWithUsers } from '../support/two-users';

let world: ServerWithUsers;
let bob: SftUser;
let mallory: HostileUser;
/** bea talks to the server through a relay the test can pause, to order her requests after mallory's. */
let bea: SftUser;
let beaRelay: PausableRelay;

beforeAll(async () => {
  world = await startServerWithUsers(['bob']);
  [bob] = world.users;
  mallory = await HostileUser.register(world.server, 'mallory');
  beaRelay = await startPausableRelay(Number(new URL(world.server.url).port));
  bea = await SftUser.create('bea', { ...world.server, url: `https://127.0.0.1:${beaRelay.port}` });
  await bea.register();
});

afterAll(async () => {
  await beaRelay?.close();
  await bea?.cleanUp();
  await world?.stop();
});

type Script = (s: HostileSender, id: string) => Promise<unknown>;

/** bob (or `user`) runs `sft join ID --out` on mallory's session; mallory runs `script` once the handshake is done. */
async function bobJoins(arena: Arena, code: number, script: Script, flags: string[] = [], user = bob): Promise<SftResult> {
  const hosted = await mallory.host(user.name);
  const victim = user.spawn(['join', hosted.id, '--out', arena.outDir, ...flags]);
  const attack = hosted.connect().then((s) => script(s, hosted.id)).catch((error: unknown) => error);
  const result = await victimEnds(victim, code);
  await attack;
  return result;
}

/** bob (or `user`) runs `sft host-session --receive --to mallory --out`; mallory joins and runs `script`. */
async function bobHosts(arena: Arena, code: number, script: Script, flags: string[] = [], user = bob): Promise<SftResult> {
  const victim = user.spawn(['host-session', '--receive', '--to', 'mallory', '--listen', '127.0.0.1:0', '--out', arena.outDir, ...flags]);
  const attack = victim
    .sessionId()
    .then(async (id) => script(await mallory.join(id), id))
    .catch((error: unknown) => error);
  const result = await victimEnds(victim, code);
  await attack;
  return result;
}

const sides = [
  ['sft join', bobJoins],
  ['sft host-session --receive', bobHosts],
] as const;

/** Runs the attack in a fresh arena and checks that the whole arena is exactly as before. */
async function expectUntouched(run: typeof bobJoins, code: number, script: Script, flags: string[] = []): Promise<SftResult> {
  return withArena(async (arena) => {
    const before = await snapshotTree(arena.root);
    const result = await run(arena, code, script, flags);
    expect(await snapshotTree(arena.root)).toEqual(before);
    return result;
  });
}

describe.each(sides)('%s against a hostile registered peer', (_, run) => {
  it('keeps an honest file from the same toolkit (control: the attacker really completes the handshake)', async () => {
    await withArena(async (arena) => {
      const result = await run(arena, 0, async (s) => {
        await s.sendAll([{ name: 'fine.txt', data: Buffer.from('fine\n') }]);
        return s.result();
      });
      expect(result.stdout).toMatch(/fine\.txt/);
      expect(await snapshotTree(arena.outDir)).toEqual([expect.stringMatching(/^fine\.txt file 5 /), expect.stringMatching(/^keep\.txt file /)]);
    });
  });

  it('refuses a path-traversal name with exit 1 and leaves everything as it was', async () => {
    const result = await expectUntouched(run, 1, (s) => s.manifest([{ name: '../escaped.txt', size: 7 }]));
    expect(result.stderr).toMatch(/Refused the file name/);
  });
});

/** Full-width forms and slash look-alikes ("．．／" reads like "../"): allowed in names, never printed raw. */
const LOOKALIKE = /[\u2044\u2215\u29f8\uff00-\uffef]/;

describe('names decided once, as disk bytes (issue 11 items 1-3)', () => {
  it('refuses two names that differ only in a lone surrogate, even with --overwrite (they would be one file on disk)', async () => {
    const result = await expectUntouched(bobJoins, 1, (s) => s.sendAll([
      { name: 'dup\uD800.txt', data: Buffer.from('first\n') },
      { name: 'dup\uDBFF.txt', data: Buffer.from('second\n') },
    ]), ['--overwrite']);
    expect(result.stderr).toMatch(/Refused the file name "dup\\ud800\.txt"/);
  });

  it('refuses a directory and a file whose names become the same on disk, and leaves nothing behind', async () => {
    await expectUntouched(bobHosts, 1, (s) => s.sendAll([
      { name: 'd\uDBFF/x.txt', data: Buffer.from('x\n') },
      { name: 'd\uD800', data: Buffer.from('d\n') },
    ]), ['--overwrite']);
  });

  it('refuses U+061C (Arabic letter mark) like U+200F, and shows it escaped', async () => {
    const result = await expectUntouched(bobHosts, 1, (s) => s.manifest([{ name: 'invoice\u061Cfdp.exe', size: 7 }]));
    expect(result.stderr).toContain('\\u061c');
  });

  it('keeps a full-width "．．／" name inside --out and prints it escaped on stdout and stderr, never raw', async () => {
    await withArena(async (arena) => {
      const outsideBefore = await snapshotTree(arena.outside);
      const result = await bobJoins(arena, 0, async (s) => {
        await s.sendAll([{ name: '\uff0e\uff0e\uff0fevil.txt', data: Buffer.from('payload') }]);
        return s.result();
      });
      expect(await snapshotTree(arena.outside)).toEqual(outsideBefore);
      expect((await snapshotTree(arena.outDir)).filter((l) => l.includes('evil'))).toEqual([expect.stringMatching(/^．．／evil\.txt file 7 /)]);
      expect(result.stdout).not.toMatch(LOOKALIKE);
      expect(result.stderr).not.toMatch(LOOKALIKE);
      expect(result.stdout).toContain('\\uff0e\\uff0e\\uff0fevil.txt');
    });
  });

  it('for any name from all of Unicode: either keeps exactly that file or refuses it with exit 1 and an untouched --out', async () => {
    await fc.assert(
      fc.asyncProperty(hostileName, async (name) => {
        await withArena(async (arena) => {
          const before = await snapshotTree(arena.root);
          let accepted: string | undefined;
          try {
            accepted = safeRelativeName(name);
          } catch {
            accepted = undefined;
          }
          const data = Buffer.from('x');
          const victim = bob.spawn(['join', (await startAttack(async (s) => {
            await s.sendAll([{ name, data }]);
            return s.result();
          })), '--out', arena.outDir]);
          // A name under the existing keep.txt (or keep.txt itself) is refused by the output directory instead.
          if (accepted?.split('/')[0].toLowerCase() === 'keep.txt') accepted = undefined;
          const result = await victimEnds(victim, accepted === undefined ? 1 : 0);
          expect(result.stdout).not.toMatch(LOOKALIKE);
          if (accepted === undefined) expect(await snapshotTree(arena.root)).toEqual(before);
          else expect((await listTree(arena.outDir)).sort()).toEqual(['keep.txt', accepted].sort());
        });
      }),
      { numRuns: 6 },
    );
  });
});

/** Opens a session for bob and starts `script` in the background; returns the session id. */
async function startAttack(script: Script): Promise<string> {
  const hosted = await mallory.host('bob');
  void hosted.connect().then((s) => script(s, hosted.id)).catch(() => undefined);
  return hosted.id;
}

describe('sft sessions --json (issue 11 item 6)', () => {
  it('escapes control, bidi and C1 characters of a cancel reason the peer chose as \\u escapes', async () => {
    const reason = 'bye\u001b[2J\u202Eevil\u2067x\u009b31m';
    let id = '';
    await withArena((arena) => bobHosts(arena, 6, async (_s, sessionId) => {
      id = sessionId;
      await mallory.cancel(sessionId, reason);
    }));
    const result = await victimEnds(bob.spawn(['sessions', '--json']), 0);
    const line = result.stdout.split('\n').find((l) => l.includes(id));
    expect(line).toBeDefined();
    for (const escape of ['\\u001b', '\\u202e', '\\u2067', '\\u009b']) expect(line!.toLowerCase()).toContain(escape);
    expect((JSON.parse(line!) as { reason: string }).reason).toBe(reason);
  });
});

describe('cleanup of --out after a failure (issue 11 item 7)', () => {
  /** 1,000 one-byte files, each at the end of its own chain of 24 nested directories (24,000 directories). */
  const files = Array.from({ length: 1000 }, (_, i) => ({
    name: `${Array.from({ length: 24 }, (_, depth) => `d${i}x${depth}`).join('/')}/f${i}.txt`,
    data: Buffer.from([i % 256]),
  }));

  it('leaves --out exactly as it was when the peer cancels on the server after the files arrived', async () => {
    await expectUntouched(bobJoins, 6, async (s, id) => {
      await s.manifest(files.map((f) => ({ name: f.name, size: 1 })));
      for (const [i, f] of files.entries()) await s.sendFile(i, f.data);
      await mallory.cancel(id, 'changed my mind');
    });
  }, 120_000);

  it('removes an --out directory it had to create when the transfer fails', async () => {
    await withArena(async (arena) => {
      const before = await snapshotTree(arena.root);
      const fresh = { ...arena, outDir: `${arena.root}/made/for/this` };
      await bobHosts(fresh, 4, async (s) => {
        await s.manifest(files.slice(0, 50).map((f) => ({ name: f.name, size: 1 })));
        for (const [i, f] of files.slice(0, 50).entries()) await s.sendFile(i, f.data);
        await s.trailer('not a signature');
      });
      expect(await snapshotTree(arena.root)).toEqual(before);
    });
  });
});

describe('a peer that leaves after the files were verified (issue 11 items 4, 5)', () => {
  const files = [{ name: 'report.txt', data: Buffer.from('the report\n') }];

  it.each(sides)('%s: a link closed right after the TRAILER is no failure once everything was verified and kept: exit 0', async (_, run) => {
    await withArena(async (arena) => {
      const result = await run(arena, 0, async (s) => {
        await s.sendAll(files);
        await s.hangUp();
      });
      expect(await listTree(arena.outDir)).toEqual(['keep.txt', 'report.txt']);
      expect(result.stdout).toMatch(/Received and verified 1 file/);
    });
  });

  it.each(sides)('%s: a session cancelled right after RESULT says the files are kept and verified and exits 6', async (_, run) => {
    await withArena(async (arena) => {
      const result = await run(arena, 6, async (s, id) => {
        await s.sendAll(files);
        beaRelay.pause(); // bea reports only after RESULT: hold her server traffic until the cancel has landed
        try {
          await s.result();
          await mallory.cancel(id, 'cancelled right after the result');
        } finally {
          beaRelay.resume();
        }
      }, [], bea);
      expect(await listTree(arena.outDir)).toEqual(['keep.txt', 'report.txt']);
      expect(result.stderr).toMatch(/received and verified: they are kept/);
      expect(result.stderr).toMatch(/cancelled/);
      expect(result.stderr).not.toMatch(/transfer timeout/);
    });
  });
});

describe('joining a session that does not exist (issue 11 item 9)', () => {
  it('exits 3 (not allowed), the same as a session of other people, and says so in one line', async () => {
    const unknown = await victimEnds(bob.spawn(['join', 'zzzz-zzzz-zzzz-zzzz']), 3);
    expect(unknown.stderr).toMatch(/No such session/);
    const hosted = await mallory.host('bea');
    const notMine = await victimEnds(bob.spawn(['join', hosted.id]), 3);
    expect(notMine.stderr.split('\n')[0]).toMatch(/sft: /);
  });
});
