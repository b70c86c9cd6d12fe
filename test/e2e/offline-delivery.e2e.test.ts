/**
 * Issue 13 with real processes: alice stores files for bob while bob is logged out (not on this machine's
 * mind at all); bob logs in later, finds the delivery in `sft inbox` and gets it byte-exact with
 * `sft receive`; the server then holds no ciphertext. Withdrawal, expiry, quota and tampering included.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../server/test/support/https-client';
import { blobSize } from '../../client/src/delivery/stored-format';
import { createFreshMysqlDatabase, describeWithMysql } from '../faults/support/mysql';
import { expectExit, sha256File, SftUser, startSftServer, writeRandomFile, type SftServer } from '../support/sft-process';

let server: SftServer;
let alice: SftUser;
let bob: SftUser;
let carol: SftUser;

const storeDir = () => path.join(server.dataDir, 'deliveries');
const blobs = async () => (await fs.readdir(storeDir()).catch(() => [] as string[])).filter((f) => f.endsWith('.blob') || f.endsWith('.upload'));

beforeAll(async () => {
  server = await startSftServer({ SFT_STORE_QUOTA: String(8 * 1024 * 1024), SFT_STORE_MAX_BYTES: String(6 * 1024 * 1024) });
  [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((name) => SftUser.create(name, server)));
  await Promise.all([alice.register(), bob.register(), carol.register()]);
  expectExit(await bob.run(['logout']), 0);
  await writeRandomFile(path.join(alice.dir, 'big.bin'), 3 * 1024 * 1024 + 12345);
  await fs.mkdir(path.join(alice.dir, 'docs'));
  await fs.writeFile(path.join(alice.dir, 'docs', 'note.txt'), 'plaintext marker: for bob only\n');
  await fs.writeFile(path.join(alice.dir, 'empty.txt'), '');
});

afterAll(async () => {
  await server?.stop();
  await Promise.all([alice, bob, carol].map((user) => user?.cleanUp()));
});

/** Runs `sft send ... --json` as alice and answers the delivery id. */
async function aliceSends(args: string[]): Promise<string> {
  const sent = expectExit(await alice.run(['send', ...args, '--json']), 0);
  const stored = sent.stdout.trim().split('\n').map((line) => JSON.parse(line)).find((e) => e.event === 'delivery-stored');
  return stored.id as string;
}

async function bobLogsIn(): Promise<void> {
  expectExit(await bob.run(['login', '--username', 'bob', '--password-stdin'], { stdin: `${bob.password}\n` }), 0);
}

describe('sft send / inbox / receive', () => {
  it('stores files for a logged-out recipient, who later finds them in the inbox and receives them byte-exact', async () => {
    const id = await aliceSends(['big.bin', 'docs', 'empty.txt', '--to', 'bob']);
    expect(await blobs()).toEqual([`${id.replace(/-/g, '')}.blob`]);

    await bobLogsIn();
    const inbox = expectExit(await bob.run(['inbox']), 0).stdout;
    expect(inbox).toMatch(new RegExp(`${id}\\s+alice\\s+stored delivery`));
    expect(inbox).toContain('"big.bin"');

    const received = expectExit(await bob.run(['receive', id, '--out', 'in']), 0);
    expect(received.stdout).toContain('verified');
    expect(await sha256File(path.join(bob.dir, 'in', 'big.bin'))).toBe(await sha256File(path.join(alice.dir, 'big.bin')));
    expect(await fs.readFile(path.join(bob.dir, 'in', 'docs', 'note.txt'), 'utf8')).toBe('plaintext marker: for bob only\n');
    expect(await fs.readFile(path.join(bob.dir, 'in', 'empty.txt'), 'utf8')).toBe('');

    expect(await blobs()).toEqual([]);
    expect(expectExit(await bob.run(['inbox']), 0).stdout).not.toContain(id);
    const sessions = expectExit(await alice.run(['sessions']), 0).stdout;
    expect(sessions).toMatch(new RegExp(`${id}\\s+bob\\s+stored-sent\\s+received`));
    const again = await bob.run(['receive', id, '--out', 'again']);
    expect(again.code).toBe(6);
  });

  it('withdrawn: the recipient gets exit 6 and the server keeps nothing', async () => {
    const id = await aliceSends(['docs', '--to', 'bob']);
    expectExit(await alice.run(['withdraw', id]), 0);
    expect(await blobs()).toEqual([]);
    const refused = await bob.run(['receive', id, '--out', 'withdrawn']);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(/withdrawn/);
    await expect(fs.stat(path.join(bob.dir, 'withdrawn'))).rejects.toThrow();
    expect(expectExit(await alice.run(['sessions']), 0).stdout).toMatch(new RegExp(`${id}\\s+bob\\s+stored-sent\\s+withdrawn`));
  });

  it("is 404 for another user's delivery id", async () => {
    const id = await aliceSends(['docs', '--to', 'bob']);
    const other = await carol.run(['receive', id, '--out', 'stolen']);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/No such delivery/);
    expectExit(await alice.run(['withdraw', id]), 0);
  });

  it('refuses a delivery over the size limit or the quota before sending a byte (413 / 507)', async () => {
    await writeRandomFile(path.join(alice.dir, 'huge.bin'), 7 * 1024 * 1024);
    const tooLarge = await alice.run(['send', 'huge.bin', '--to', 'bob']);
    expect(tooLarge.code).toBe(1);
    expect(tooLarge.stderr).toMatch(/larger than/);
    const first = await aliceSends(['big.bin', '--to', 'bob']);
    const second = await aliceSends(['big.bin', '--to', 'bob']);
    const overQuota = await alice.run(['send', 'big.bin', '--to', 'bob']);
    expect(overQuota.code).toBe(1);
    expect(overQuota.stderr).toMatch(/quota/);
    expect((await blobs()).sort()).toEqual([first, second].map((id) => `${id.replace(/-/g, '')}.blob`).sort());
    for (const id of [first, second]) expectExit(await alice.run(['withdraw', id]), 0);
  });

  it('refuses names a hostile sender put in a delivery (as `join` does) and shows them escaped in the inbox', async () => {
    const api = new ApiClient(server.url, await fs.readFile(server.caCertPath, 'utf8'));
    const token = Object.values(JSON.parse(await fs.readFile(path.join(alice.home, 'credentials.json'), 'utf8')) as Record<string, { token: string }>)[0].token;
    const bobKey = (await api.get('/users/bob/delivery-key', { token })).body.fingerprint as string;
    for (const name of ['../escape.txt', '/etc/evil', 'a\u001b[2Jb\u202etxt.exe', 'CON.txt']) {
      const files = [{ name, size: 5 }];
      const created = await api.post('/deliveries', {
        token,
        body: { recipient: 'bob', files, bytes: blobSize(files), ephemeralKey: Buffer.alloc(32, 9).toString('base64'), recipientKeyFingerprint: bobKey },
      });
      expect(created.status).toBe(201);
      const id = created.body.delivery.id as string;
      expect((await api.put(`/deliveries/${id}/parts/0`, { token, raw: Buffer.alloc(blobSize(files)), headers: { 'content-type': 'application/octet-stream' } })).status).toBe(200);
      expect((await api.post(`/deliveries/${id}/complete`, { token })).status).toBe(200);
      for (const args of [['inbox'], ['inbox', '--json'], ['sessions']]) {
        const out = expectExit(await bob.run(args), 0).stdout;
        for (const raw of ['\u001b', '\u202e']) expect(out).not.toContain(raw);
      }
      const refused = await bob.run(['receive', id, '--out', 'hostile']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/Refused the file name/);
      await expect(fs.stat(path.join(bob.dir, 'escape.txt'))).rejects.toThrow();
      expect(await fs.readdir(path.join(bob.dir, 'hostile')).catch(() => [])).toEqual([]);
      expectExit(await alice.run(['withdraw', id]), 0);
    }
  });

  it('a tampered blob is refused with exit 4 and nothing is kept', async () => {
    const id = await aliceSends(['big.bin', '--to', 'bob']);
    const file = path.join(storeDir(), `${id.replace(/-/g, '')}.blob`);
    const handle = await fs.open(file, 'r+');
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, 300_000);
    byte[0] ^= 0x01;
    await handle.write(byte, 0, 1, 300_000);
    await handle.close();
    const refused = await bob.run(['receive', id, '--out', 'tampered']);
    expect(refused.code).toBe(4);
    expect(await fs.readdir(path.join(bob.dir, 'tampered')).catch(() => [])).toEqual([]);
    expect(await blobs()).toEqual([]);
    expect(expectExit(await alice.run(['sessions']), 0).stdout).toMatch(new RegExp(`${id}\\s+bob\\s+stored-sent\\s+failed`));
  });
});

describeWithMysql('sft send / receive on MariaDB', () => {
  let mysqlServer: SftServer;
  let database: { url: string; drop(): Promise<void> };
  let sender: SftUser;
  let recipient: SftUser;

  beforeAll(async () => {
    database = await createFreshMysqlDatabase();
    mysqlServer = await startSftServer({ SFT_DB_URL: database.url });
    [sender, recipient] = await Promise.all(['dora', 'eve'].map((name) => SftUser.create(name, mysqlServer)));
    await Promise.all([sender.register(), recipient.register()]);
    expectExit(await recipient.run(['logout']), 0);
    await writeRandomFile(path.join(sender.dir, 'data.bin'), 2 * 1024 * 1024 + 7);
  });

  afterAll(async () => {
    await mysqlServer?.stop();
    await database?.drop();
    await Promise.all([sender, recipient].map((user) => user?.cleanUp()));
  });

  it('stores for a logged-out recipient, who logs in, finds it in the inbox and receives it byte-exact', async () => {
    const sent = expectExit(await sender.run(['send', 'data.bin', '--to', 'eve', '--json']), 0);
    const id = sent.stdout.trim().split('\n').map((line) => JSON.parse(line)).find((e) => e.event === 'delivery-stored').id as string;
    expectExit(await recipient.run(['login', '--username', 'eve', '--password-stdin'], { stdin: `${recipient.password}\n` }), 0);
    expect(expectExit(await recipient.run(['inbox']), 0).stdout).toContain(id);
    expectExit(await recipient.run(['receive', id, '--out', 'in']), 0);
    expect(await sha256File(path.join(recipient.dir, 'in', 'data.bin'))).toBe(await sha256File(path.join(sender.dir, 'data.bin')));
    expect(expectExit(await sender.run(['sessions']), 0).stdout).toMatch(new RegExp(`${id}\\s+eve\\s+stored-sent\\s+received`));
  });
});
