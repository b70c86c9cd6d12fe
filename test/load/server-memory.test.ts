/**
 * Load: the server's memory does not grow without bound across 1,000 sessions. A real server process
 * (the built dist/, with --expose-gc) runs 1,000 whole session lifecycles over HTTPS — create, join,
 * long-poll, both reports, `completed` — and its heap and RSS after a full GC are compared with a
 * baseline taken after a warm-up. The bounds are generous: they catch a per-session leak (e.g. a map
 * that keeps every session), not noise.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEphemeralCert } from '../../certs/src/x509';
import { reportedFile } from '../../server/test/support/sessions';

const REPO_ROOT = resolve(__dirname, '..', '..');
const BUILT_SERVER = join(REPO_ROOT, 'dist', 'server', 'src', 'main.js');
const WARM_UP = 100;
const SESSIONS = 1000;
const CONCURRENCY = 10;
const MiB = 1024 * 1024;
/** A leak of ~8 KiB per session would cross this; one-off caches and fragmentation stay well below. */
const MAX_HEAP_GROWTH = 8 * MiB;
const MAX_RSS_GROWTH = 96 * MiB;

/** The child: starts the built server, answers 'mem' with memoryUsage() after a full GC. */
const CHILD = `
const { startServer } = require(process.env.SFT_BUILT_SERVER);
startServer({ port: 0, host: '127.0.0.1', dataDir: process.env.SFT_DATA_DIR, quiet: true,
  env: { SFT_LOGIN_ADDRESS_LIMIT: '100000', SFT_LOGIN_LIMIT: '100000' } })
  .then((s) => process.send({ url: s.url, caCertPath: s.caCertPath }))
  .catch((e) => { console.error(e.message); process.exit(1); });
process.on('message', (m) => {
  if (m !== 'mem') return;
  global.gc(); global.gc();
  process.send({ mem: process.memoryUsage() });
});
`;

interface Usage {
  heapUsed: number;
  rss: number;
}

describe('server memory across 1,000 sessions', () => {
  let child: ChildProcess;
  let dataDir: string;
  let url: string;
  let agent: Agent;

  async function call(method: string, path: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) });
    if (token) headers.authorization = `Bearer ${token}`;
    return new Promise((done, fail) => {
      const req = request(new URL(path, url), { method, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') }));
        res.on('error', fail);
      });
      req.on('error', fail);
      req.end(payload);
    });
  }

  async function memory(): Promise<Usage> {
    child.send('mem');
    const [message] = (await once(child, 'message')) as [{ mem: Usage }];
    return message.mem;
  }

  beforeAll(async () => {
    if (!existsSync(BUILT_SERVER)) throw new Error('The server is not built: run `npm run build` (npm test does it first).');
    dataDir = mkdtempSync(join(tmpdir(), 'sft-load-memory-'));
    const script = join(dataDir, 'child.js');
    writeFileSync(script, CHILD);
    child = fork(script, [], {
      execArgv: ['--expose-gc'],
      env: { PATH: process.env.PATH, SFT_BUILT_SERVER: BUILT_SERVER, SFT_DATA_DIR: join(dataDir, 'server') },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const [started] = (await once(child, 'message')) as [{ url: string; caCertPath: string }];
    url = started.url;
    agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca: readFileSync(started.caCertPath, 'utf8') });
  });
  afterAll(async () => {
    agent?.destroy();
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps heap and RSS growth bounded after GC', async () => {
    const account = async (username: string) => {
      const password = `pw ${username} for the memory test`;
      expect((await call('POST', '/auth/register', undefined, { username, password })).status).toBe(201);
      const login = await call('POST', '/auth/login', undefined, { username, password });
      expect(login.status).toBe(200);
      return login.body.token as string;
    };
    const [alice, bob] = await Promise.all([account('alice'), account('bob')]);
    const [hostCert, joinerCert] = await Promise.all([makeEphemeralCert('memory host'), makeEphemeralCert('memory joiner')]);
    const file = reportedFile('report.pdf', 'the same bytes on both sides');

    const lifecycle = async () => {
      const created = await call('POST', '/sessions', alice, {
        direction: 'host-sends', invitee: 'bob', endpoint: { host: '127.0.0.1', port: 40123 }, certificate: hostCert.certPem, files: [{ name: file.name, size: file.size }],
      });
      const id = created.body.session.id as string;
      expect((await call('POST', `/sessions/${id}/join`, bob, { certificate: joinerCert.certPem })).status).toBe(200);
      expect((await call('GET', `/sessions/${id}/wait?state=waiting&timeout=5`, alice)).body.state).toBe('joined');
      expect((await call('POST', `/sessions/${id}/report`, alice, { role: 'sender', bytes: file.size, files: [file], verified: true })).status).toBe(200);
      const last = await call('POST', `/sessions/${id}/report`, bob, { role: 'receiver', bytes: file.size, files: [file], verified: true });
      expect(last.body.state).toBe('completed');
    };
    const run = async (count: number) => {
      let next = 0;
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (next < count) {
          next++;
          await lifecycle();
        }
      }));
    };

    await run(WARM_UP);
    const before = await memory();
    await run(SESSIONS);
    const after = await memory();
    const growth = { heap: after.heapUsed - before.heapUsed, rss: after.rss - before.rss };
    process.stdout.write(`server memory over ${SESSIONS} sessions: heapUsed ${(before.heapUsed / MiB).toFixed(1)} -> ${(after.heapUsed / MiB).toFixed(1)} MiB, rss ${(before.rss / MiB).toFixed(1)} -> ${(after.rss / MiB).toFixed(1)} MiB\n`);
    expect(growth.heap).toBeLessThan(MAX_HEAP_GROWTH);
    expect(growth.rss).toBeLessThan(MAX_RSS_GROWTH);
    expect((await call('GET', '/sessions', alice)).body.length).toBeGreaterThan(0);
  }, 90_000);
});
