/**
 * The real `sft join` and `sft host-session --receive` against a registered user turned hostile: the
 * attacker completes the real pinned TLS link and the real signed handshake (test/support/hostile-peer/e2e.ts),
 * then deviates. Every run checks the exit code, that nothing raw (control, bidi, format characters)
 * reached stdout or stderr, that the victim ended in bounded time, and, after a failure, that the
 * whole temp area (`--out`, its pre-existing file, a sibling directory) is unchanged byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotTree, withArena, type Arena } from '../support/hostile-peer/fs-snapshot';
import { HostileUser, victimEnds } from '../support/hostile-peer/e2e';
import type { HostileSender } from '../support/hostile-peer/hostile-sender';
import type { SftResult, SftUser } from '../support/sft-process';
import { startServerWithUsers, type ServerWithUsers } from '../support/two-users';

let world: ServerWithUsers;
let bob: SftUser;
let mallory: HostileUser;

beforeAll(async () => {
  world = await startServerWithUsers(['bob']);
  [bob] = world.users;
  mallory = await HostileUser.register(world.server, 'mallory');
});

afterAll(async () => {
  await world?.stop();
});

type Script = (s: HostileSender, id: string) => Promise<unknown>;

/** bob runs `sft join ID --out` on mallory's session; mallory runs `script` once the handshake is done. */
async function bobJoins(arena: Arena, code: number, script: Script, flags: string[] = []): Promise<SftResult> {
  const hosted = await mallory.host('bob');
  const victim = bob.spawn(['join', hosted.id, '--out', arena.outDir, ...flags]);
  const attack = hosted.connect().then((s) => script(s, hosted.id)).catch((error: unknown) => error);
  const result = await victimEnds(victim, code);
  await attack;
  return result;
}

/** bob runs `sft host-session --receive --to mallory --out`; mallory joins and runs `script`. */
async function bobHosts(arena: Arena, code: number, script: Script, flags: string[] = []): Promise<SftResult> {
  const victim = bob.spawn(['host-session', '--receive', '--to', 'mallory', '--listen', '127.0.0.1:0', '--out', arena.outDir, ...flags]);
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
