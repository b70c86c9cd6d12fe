/**
 * Issue 7 with real processes: `sft trust USER` after a peer's key changed, and `--verify` /
 * `--verify-phrase` refusing a transfer whose verification phrase the user does not confirm.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExit, SftUser } from '../support/sft-process';
import { startServerWithUsers, type ServerWithUsers } from '../support/two-users';

let world: ServerWithUsers;
let alice: SftUser;
let bob: SftUser;

beforeAll(async () => {
  world = await startServerWithUsers(['alice', 'bob']);
  [alice, bob] = world.users;
  await fs.writeFile(path.join(alice.dir, 'note.txt'), 'for bob\n');
});

afterAll(async () => {
  await world?.stop();
});

const LISTEN = ['--listen', '127.0.0.1:0'];

/** alice sends note.txt to bob, who joins with `joinArgs`. */
async function aliceSendsToBob(joinArgs: string[], hostArgs: string[] = []) {
  const host = alice.spawn(['host-session', 'note.txt', '--to', 'bob', ...LISTEN, ...hostArgs]);
  const id = await host.sessionId();
  const joined = await bob.run(['join', id, ...joinArgs]);
  return { id, joined, hosted: await host.done };
}

async function aliceFingerprint(): Promise<string> {
  const whoami = expectExit(await alice.run(['whoami']), 0);
  return whoami.stdout.match(/identity key: ([0-9A-F:]{95})/)![1];
}

describe('sft trust', () => {
  it('is the way to accept a changed key: refused with both fingerprints, then trusted with --yes, then the transfer works', async () => {
    const first = await aliceSendsToBob(['--out', 'first']);
    expectExit(first.joined, 0);
    expectExit(first.hosted, 0);
    const oldFingerprint = await aliceFingerprint();

    // alice makes a new identity key (a new machine): bob pinned the old one.
    await fs.rm(path.join(alice.home, 'identity.json'));
    expectExit(await alice.run(['login', '--username', 'alice', '--password-stdin'], { stdin: `${alice.password}\n` }), 0);
    const newFingerprint = await aliceFingerprint();
    expect(newFingerprint).not.toBe(oldFingerprint);

    const refused = await aliceSendsToBob(['--out', 'refused']);
    expect(refused.joined.code).toBe(4);
    expect(refused.joined.stderr).toContain('identity key of alice has CHANGED');
    expect(refused.joined.stderr).toContain(oldFingerprint);
    expect(refused.joined.stderr).toContain(newFingerprint);
    expect(refused.joined.stderr).toContain('sft trust alice');
    expect(refused.hosted.code).not.toBe(0);
    await expect(fs.stat(path.join(bob.dir, 'refused'))).rejects.toThrow();

    // Not a terminal and no --yes: nothing changes (exit 2).
    const unasked = await bob.run(['trust', 'alice']);
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toMatch(/--yes/);
    expect((await aliceSendsToBob(['--out', 'still-refused'])).joined.code).toBe(4);

    const trusted = expectExit(await bob.run(['trust', 'alice', '--yes']), 0);
    expect(trusted.stderr).toContain(oldFingerprint);
    expect(trusted.stderr).toContain(newFingerprint);
    expect(trusted.stdout).toContain(`Now trusting alice's identity key ${newFingerprint}`);

    const after = await aliceSendsToBob(['--out', 'after']);
    expectExit(after.joined, 0);
    expectExit(after.hosted, 0);
    expect(await fs.readFile(path.join(bob.dir, 'after', 'note.txt'), 'utf8')).toBe('for bob\n');

    const again = expectExit(await bob.run(['trust', 'alice', '--yes']), 0);
    expect(again.stdout).toMatch(/already the one pinned/);
  });

  it('refuses to trust an unknown user', async () => {
    const result = await bob.run(['trust', 'nobody-here', '--yes']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^sft: /);
  });
});

describe('--verify', () => {
  it('refuses --verify without a terminal (exit 2) before opening a session', async () => {
    const result = await alice.run(['host-session', 'note.txt', '--verify', ...LISTEN]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not a terminal/);
    expect(result.stderr).toMatch(/--verify-phrase/);
    expect(result.stdout).toBe('');
  });

  it('stops both sides before any file byte when the joiner does not confirm the phrase (exit 4, session failed)', async () => {
    // The real phrase is random: "000 000" matches it once in a million runs.
    const { id, joined, hosted } = await aliceSendsToBob(['--out', 'mismatch', '--verify-phrase', '000 000', '--json']);
    expect(joined.code).toBe(4);
    expect(hosted.code).toBe(4);
    expect(joined.stderr).toMatch(/verification phrase was rejected/);
    expect(hosted.stderr).toMatch(/verification phrase was rejected/);
    expect(joined.stdout).not.toMatch(/"event":"manifest"/);
    await expect(fs.stat(path.join(bob.dir, 'mismatch'))).rejects.toThrow();
    const sessions = expectExit(await alice.run(['sessions', '--json']), 0);
    const row = sessions.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id: string; state: string }).find((s) => s.id === id);
    expect(row?.state).toBe('failed');
  });

  it('stops both sides when the host does not confirm the phrase', async () => {
    const { joined, hosted } = await aliceSendsToBob(['--out', 'host-mismatch'], ['--verify-phrase', '000000']);
    expect(hosted.code).toBe(4);
    expect(joined.code).toBe(4);
    await expect(fs.stat(path.join(bob.dir, 'host-mismatch'))).rejects.toThrow();
  });
});
