/**
 * Real `sft` processes for two (or three) users, each with its own SFT_HOME, against a real
 * `sft server` over loopback HTTPS, moving files directly over pinned TLS.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExit, sha256File, SftUser, writeRandomFile, type SftServer } from '../support/sft-process';
import { startServerWithUsers, type ServerWithUsers } from '../support/two-users';

let world: ServerWithUsers;
let server: SftServer;
let alice: SftUser;
let bob: SftUser;
let carol: SftUser;

beforeAll(async () => {
  world = await startServerWithUsers(['alice', 'bob', 'carol']);
  server = world.server;
  [alice, bob, carol] = world.users;
});

afterAll(async () => {
  await world?.stop();
});

const LISTEN = ['--listen', '127.0.0.1:0'];

/** alice hosts `hostArgs`, bob joins with `joinArgs`; returns both results and the session id. */
async function transfer(hostArgs: string[], joinArgs: string[], joiner = bob) {
  const host = alice.spawn(['host-session', ...hostArgs, ...LISTEN]);
  const id = await host.sessionId();
  const joined = await joiner.run(['join', id, ...joinArgs]);
  const hosted = await host.done;
  return { id, hosted, joined };
}

describe('sft host-session and join', () => {
  it('sends one file byte-exact and prints the same verification phrase on both sides', async () => {
    await fs.writeFile(path.join(alice.dir, 'hello.txt'), 'hello bob\n');
    const { hosted, joined } = await transfer(['hello.txt', '--to', 'bob'], ['--out', 'one']);
    expectExit(hosted, 0);
    expectExit(joined, 0);
    expect(await fs.readFile(path.join(bob.dir, 'one', 'hello.txt'), 'utf8')).toBe('hello bob\n');
    const phrase = (text: string) => text.match(/Verification phrase: (.+)/)?.[1];
    expect(phrase(joined.stdout)).toBeDefined();
    expect(phrase(joined.stdout)).toBe(phrase(hosted.stdout));
  });

  it('sends several files', async () => {
    await fs.writeFile(path.join(alice.dir, 'a.txt'), 'A');
    await fs.writeFile(path.join(alice.dir, 'b.txt'), 'BB');
    const { hosted, joined } = await transfer(['a.txt', 'b.txt'], ['--out', 'several']);
    expectExit(hosted, 0);
    expectExit(joined, 0);
    expect(await fs.readFile(path.join(bob.dir, 'several', 'a.txt'), 'utf8')).toBe('A');
    expect(await fs.readFile(path.join(bob.dir, 'several', 'b.txt'), 'utf8')).toBe('BB');
  });

  it('sends a directory tree', async () => {
    await fs.mkdir(path.join(alice.dir, 'tree', 'sub'), { recursive: true });
    await fs.writeFile(path.join(alice.dir, 'tree', 'top.txt'), 'top');
    await fs.writeFile(path.join(alice.dir, 'tree', 'sub', 'deep.txt'), 'deep');
    const { hosted, joined } = await transfer(['tree'], ['--out', 'dirs']);
    expectExit(hosted, 0);
    expectExit(joined, 0);
    expect(await fs.readFile(path.join(bob.dir, 'dirs', 'tree', 'sub', 'deep.txt'), 'utf8')).toBe('deep');
    expect(await fs.readFile(path.join(bob.dir, 'dirs', 'tree', 'top.txt'), 'utf8')).toBe('top');
  });

  it('sends an empty file', async () => {
    await fs.writeFile(path.join(alice.dir, 'empty.bin'), '');
    const { hosted, joined } = await transfer(['empty.bin'], ['--out', 'empty']);
    expectExit(hosted, 0);
    expectExit(joined, 0);
    expect((await fs.stat(path.join(bob.dir, 'empty', 'empty.bin'))).size).toBe(0);
  });

  it('receives from the joiner when the host uses --receive', async () => {
    await fs.writeFile(path.join(bob.dir, 'upload.txt'), 'from bob');
    const { hosted, joined } = await transfer(['--receive', '--out', 'inbox'], ['upload.txt']);
    expectExit(joined, 0);
    expectExit(hosted, 0);
    expect(await fs.readFile(path.join(alice.dir, 'inbox', 'upload.txt'), 'utf8')).toBe('from bob');
  });

  it('refuses a joiner without FILEs when the host receives (exit 2)', async () => {
    const { hosted, joined } = await transfer(['--receive', '--out', 'inbox2'], []);
    expect(joined.code).toBe(2);
    expect(joined.stderr).toMatch(/give the FILEs to send/);
    expect(hosted.code).toBe(6);
  });

  it('keeps an existing file when --overwrite is not given', async () => {
    await fs.writeFile(path.join(alice.dir, 'keep.txt'), 'new content');
    await fs.mkdir(path.join(bob.dir, 'keep'), { recursive: true });
    await fs.writeFile(path.join(bob.dir, 'keep', 'keep.txt'), 'old content');
    const { joined } = await transfer(['keep.txt'], ['--out', 'keep']);
    expect(joined.code).not.toBe(0);
    expect(joined.stderr).toMatch(/--overwrite/);
    expect(await fs.readFile(path.join(bob.dir, 'keep', 'keep.txt'), 'utf8')).toBe('old content');
  });

  it('replaces an existing file with --overwrite', async () => {
    await fs.writeFile(path.join(alice.dir, 'replace.txt'), 'new content');
    await fs.mkdir(path.join(bob.dir, 'replace'), { recursive: true });
    await fs.writeFile(path.join(bob.dir, 'replace', 'replace.txt'), 'old content');
    const { hosted, joined } = await transfer(['replace.txt'], ['--out', 'replace', '--overwrite']);
    expectExit(joined, 0);
    expectExit(hosted, 0);
    expect(await fs.readFile(path.join(bob.dir, 'replace', 'replace.txt'), 'utf8')).toBe('new content');
  });

  it('refuses a joiner the session was not meant for (exit 3)', async () => {
    await fs.writeFile(path.join(alice.dir, 'private.txt'), 'for bob only');
    const host = alice.spawn(['host-session', 'private.txt', '--to', 'bob', ...LISTEN]);
    const id = await host.sessionId();
    const intruder = await carol.run(['join', id, '--out', 'stolen']);
    host.kill('SIGINT');
    const hosted = await host.done;
    expect(intruder.code).toBe(3);
    expect(intruder.stderr).not.toMatch(/\n\s+at /);
    await expect(fs.stat(path.join(carol.dir, 'stolen', 'private.txt'))).rejects.toThrow();
    expect(hosted.code).toBe(6);
  });

  it('lists the completed session in `sft sessions`, also as JSON lines', async () => {
    await fs.writeFile(path.join(alice.dir, 'listed.txt'), 'x');
    const { id, hosted } = await transfer(['listed.txt'], ['--out', 'listed']);
    expectExit(hosted, 0);
    const table = expectExit(await alice.run(['sessions']), 0);
    expect(table.stdout).toMatch(new RegExp(`^${id}\\s+bob\\s+sent\\s+completed`, 'm'));
    const json = expectExit(await bob.run(['sessions', '--json']), 0);
    const rows = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as { id: string; state: string; peer: string });
    expect(rows.find((row) => row.id === id)).toMatchObject({ state: 'completed', peer: 'alice', attempts: 1 });
  });

  it('prints only JSON lines on stdout with --json, the session event first', async () => {
    await fs.writeFile(path.join(alice.dir, 'json.txt'), 'json');
    const host = alice.spawn(['host-session', 'json.txt', '--json', ...LISTEN]);
    const id = await host.sessionId();
    const joined = expectExit(await bob.run(['join', id, '--out', 'json', '--json']), 0);
    const hosted = expectExit(await host.done, 0);
    const hostEvents = hosted.stdout.trim().split('\n').map((line) => JSON.parse(line) as { event: string; id?: string });
    const joinEvents = joined.stdout.trim().split('\n').map((line) => JSON.parse(line) as { event: string });
    expect(hostEvents[0]).toMatchObject({ event: 'session', id });
    expect(joinEvents.map((e) => e.event)).toContain('done');
    expect(hosted.stdout + joined.stdout).not.toMatch(/"(token|key)":"(?!\[redacted\])/);
  });
});

describe('identity key pinning', () => {
  it('refuses a peer whose identity key changed since it was pinned (exit 4)', async () => {
    const dave = await SftUser.create('dave', server);
    try {
      await dave.register();
      await fs.writeFile(path.join(dave.dir, 'first.txt'), 'first');
      const first = dave.spawn(['host-session', 'first.txt', '--to', 'carol', ...LISTEN]);
      expectExit(await carol.run(['join', await first.sessionId(), '--out', 'pins']), 0);
      expectExit(await first.done, 0);

      // carol gets a new identity key (e.g. a new machine): dave pinned the old one.
      await fs.rm(path.join(carol.home, 'identity.json'));
      expectExit(await carol.run(['login', '--username', 'carol', '--password-stdin'], { stdin: `${carol.password}\n` }), 0);

      const second = dave.spawn(['host-session', 'first.txt', '--to', 'carol', ...LISTEN]);
      const joined = await carol.run(['join', await second.sessionId(), '--out', 'pins2']);
      const hosted = await second.done;
      expect(hosted.code).toBe(4);
      expect(hosted.stderr).toMatch(/identity key of carol has CHANGED/);
      expect(joined.code).not.toBe(0);
      await expect(fs.stat(path.join(carol.dir, 'pins2', 'first.txt'))).rejects.toThrow();
    } finally {
      await dave.cleanUp();
    }
  });
});

describe('large files', () => {
  it('moves 100 MiB byte-exact', async () => {
    const source = path.join(alice.dir, 'big.bin');
    await writeRandomFile(source, 100 * 1024 * 1024);
    try {
      const { hosted, joined } = await transfer(['big.bin'], ['--out', 'big']);
      expectExit(hosted, 0);
      expectExit(joined, 0);
      const received = path.join(bob.dir, 'big', 'big.bin');
      expect(await sha256File(received)).toBe(await sha256File(source));
      await fs.rm(received);
    } finally {
      await fs.rm(source);
    }
  }, 120_000);

  it('leaves no partial file behind when the receiver presses Ctrl-C mid-transfer (exit 6)', async () => {
    const source = path.join(alice.dir, 'interrupted.bin');
    await writeRandomFile(source, 100 * 1024 * 1024);
    try {
      const host = alice.spawn(['host-session', 'interrupted.bin', ...LISTEN]);
      const joiner = bob.spawn(['join', await host.sessionId(), '--out', 'interrupted']);
      await joiner.waitForStderr(/file\(s\), .* to be received/);
      joiner.kill('SIGINT');
      const [joined, hosted] = await Promise.all([joiner.done, host.done]);
      expect(joined.code).toBe(6);
      expect(hosted.code).not.toBe(0);
      const left = await fs.readdir(path.join(bob.dir, 'interrupted')).catch(() => []);
      expect(left).toEqual([]);
    } finally {
      await fs.rm(source);
    }
  }, 120_000);
});
