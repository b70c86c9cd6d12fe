/**
 * Issue 13, live offers: `sft inbox` (and `sft sessions`) show bob the sessions opened `--to` him, with the
 * names the host chose escaped in human and `--json` output, and `sft join` takes the offer as before.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../server/test/support/https-client';
import { peerCertificate } from '../../server/test/support/sessions';
import { expectExit, SftUser, startSftServer, type SftServer } from '../support/sft-process';

let server: SftServer;
let alice: SftUser;
let bob: SftUser;
let carol: SftUser;

beforeAll(async () => {
  server = await startSftServer();
  [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((name) => SftUser.create(name, server)));
  await Promise.all([alice.register(), bob.register(), carol.register()]);
  await fs.writeFile(path.join(alice.dir, 'note.txt'), 'for bob\n');
});

afterAll(async () => {
  await server?.stop();
  await Promise.all([alice, bob, carol].map((user) => user?.cleanUp()));
});

/** alice's token, as her `sft login` stored it. */
async function tokenOf(user: SftUser): Promise<string> {
  const all = JSON.parse(await fs.readFile(path.join(user.home, 'credentials.json'), 'utf8')) as Record<string, { token: string }>;
  return Object.values(all)[0].token;
}

describe('sft inbox', () => {
  it('lists a live session opened --to me, and `sft join` takes it', async () => {
    const host = alice.spawn(['host-session', 'note.txt', '--to', 'bob', '--listen', '127.0.0.1:0']);
    const id = await host.sessionId();

    const listed = expectExit(await bob.run(['inbox']), 0);
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+alice\\s+live: offers files`));
    expect(listed.stdout).toContain('"note.txt"');
    const json = expectExit(await bob.run(['inbox', '--json']), 0);
    const offers = json.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(offers).toContainEqual(expect.objectContaining({ event: 'offer', kind: 'live', id, from: 'alice', files: [{ name: 'note.txt', size: 8 }], bytes: 8 }));
    const sessions = expectExit(await bob.run(['sessions']), 0);
    expect(sessions.stdout).toMatch(new RegExp(`${id}\\s+alice\\s+offered\\s+waiting for you`));
    expect(expectExit(await carol.run(['inbox']), 0).stdout).not.toContain(id);

    expectExit(await bob.run(['join', id, '--out', 'got']), 0);
    expectExit(await host.done, 0);
    expect(await fs.readFile(path.join(bob.dir, 'got', 'note.txt'), 'utf8')).toBe('for bob\n');
    expect(expectExit(await bob.run(['inbox']), 0).stdout).not.toContain(id);
  });

  it('shows the names a host chose escaped: no escape sequence or bidi override reaches the terminal, --json keeps the exact name', async () => {
    const hostile = 'clear\u001b[2J\u009b31m-\u202egpj.exe';
    const api = new ApiClient(server.url, await fs.readFile(server.caCertPath, 'utf8'));
    const created = await api.post('/sessions', {
      token: await tokenOf(alice),
      body: {
        direction: 'host-sends', invitee: 'bob', endpoint: { host: '127.0.0.1', port: 40123 },
        certificate: (await peerCertificate('host')).certPem, files: [{ name: hostile, size: 1 }],
      },
    });
    expect(created.status).toBe(201);
    const id = created.body.session.id as string;

    for (const args of [['inbox'], ['sessions'], ['inbox', '--json'], ['sessions', '--json']]) {
      const out = expectExit(await bob.run(args), 0).stdout;
      for (const raw of ['\u001b', '\u009b', '\u202e']) expect(out).not.toContain(raw);
    }
    const human = expectExit(await bob.run(['inbox']), 0).stdout;
    expect(human).toContain('"clear\\u001b[2J\\u009b31m-\\u202egpj.exe"');
    const json = expectExit(await bob.run(['inbox', '--json']), 0).stdout;
    const offer = json.trim().split('\n').map((line) => JSON.parse(line)).find((o) => o.id === id);
    expect(offer.files[0].name).toBe(hostile);
  });
});
