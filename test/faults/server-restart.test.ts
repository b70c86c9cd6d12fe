/**
 * The server (a real `sft server` process on MySQL) is killed with SIGKILL in the middle of a
 * transfer and started again on the same port, data dir and database. Users, sessions and tokens
 * survive; the transfer in flight does not need the server (the peer link is direct) and both
 * sides' reports reach the restarted server, which closes the session `completed`.
 *
 * A relay in front of the host's listener holds the transfer in flight (paused) while the server is
 * down, so the order of events is fixed by the test, not by timing.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectExit, partialFileAppears, sha256File, SftUser, startRestartableSftServer, writeRandomFile, type RestartableSftServer } from '../support/sft-process';
import { createFreshMysqlDatabase, describeWithMysql, mysqlQuery } from './support/mysql';
import { freePort } from '../support/free-port';
import { startPausableRelay } from './support/pausable-relay';

const SIZE = 64 * 1024 * 1024;

describeWithMysql('a server killed with SIGKILL mid-session and restarted', () => {
  let database: Awaited<ReturnType<typeof createFreshMysqlDatabase>>;
  let sft: RestartableSftServer;
  let alice: SftUser;
  let bob: SftUser;

  beforeAll(async () => {
    database = await createFreshMysqlDatabase();
    sft = await startRestartableSftServer({ args: ['--no-relay', '--db', database.url] });
    [alice, bob] = await Promise.all(['alice', 'bob'].map((name) => SftUser.create(name, sft)));
    await Promise.all([alice.register(), bob.register()]);
  });
  afterAll(async () => {
    await sft?.stop();
    await database?.drop();
    await Promise.all([alice, bob].map((user) => user?.cleanUp()));
  });

  /** Starts the server again and checks it is the same one: same address, same CA (kept in the data dir). */
  async function restartSameServer(): Promise<void> {
    expect(await sft.restart()).toEqual({ url: sft.url, caCertPath: sft.caCertPath });
  }

  it('keeps users, sessions and tokens, lets the transfer in flight finish byte-exact and takes its reports', async () => {
    const source = path.join(alice.dir, 'big.bin');
    await writeRandomFile(source, SIZE);
    const listenPort = await freePort();
    const relay = await startPausableRelay(listenPort);
    try {
      const host = alice.spawn(['host-session', 'big.bin', '--to', 'bob', '--listen', `127.0.0.1:${listenPort}`, '--advertise', `127.0.0.1:${relay.port}`]);
      const id = await host.sessionId();
      const out = path.join(bob.dir, 'restart');
      const joiner = bob.spawn(['join', id, '--out', out]);
      await partialFileAppears(out, joiner.done);

      relay.pause();
      await sft.kill();
      const [row] = await mysqlQuery<{ state: string }>(database.url, 'SELECT state FROM sessions WHERE id = ?', [id.replace(/-/g, '')]);
      expect(row?.state).toBe('joined');
      await restartSameServer();
      relay.resume();

      const [joined, hosted] = await Promise.all([joiner.done, host.done]);
      expectExit(joined, 0);
      expectExit(hosted, 0);
      expect(await sha256File(path.join(out, 'big.bin'))).toBe(await sha256File(source));

      // Tokens issued before the crash still work; the session closed `completed` on the restarted server.
      const rows = expectExit(await alice.run(['sessions', '--json']), 0).stdout.trim().split('\n').map((line) => JSON.parse(line) as { id: string; state: string });
      expect(rows.find((r) => r.id === id)?.state).toBe('completed');
      expect(expectExit(await bob.run(['whoami']), 0).stdout).toMatch(/bob/);
      // The users survived: logging in again works.
      expectExit(await bob.run(['login', '--username', 'bob', '--password-stdin'], { stdin: `${bob.password}\n` }), 0);
    } finally {
      await relay.close();
      await fs.rm(source, { force: true });
    }
  }, 120_000);

  // The CLI reports once and does not retry: when the transfer ends while the server is down, the
  // report is lost (see docs/security.md, "reports while the server is down"). What holds is tested here.
  it('delivers both reports once the server is back when the transfer ends while it is down', async () => {
    const source = path.join(alice.dir, 'while-down.bin');
    await writeRandomFile(source, SIZE);
    const listenPort = await freePort();
    const relay = await startPausableRelay(listenPort);
    try {
      const host = alice.spawn(['host-session', 'while-down.bin', '--to', 'bob', '--listen', `127.0.0.1:${listenPort}`, '--advertise', `127.0.0.1:${relay.port}`]);
      const id = await host.sessionId();
      const out = path.join(bob.dir, 'while-down');
      const joiner = bob.spawn(['join', id, '--out', out]);
      await partialFileAppears(out, joiner.done);

      relay.pause();
      await sft.kill();
      relay.resume();
      // The transfer ends with the server away: both sides keep trying to report.
      await Promise.all([joiner.waitForStderr(/Retrying the report/), host.waitForStderr(/Retrying the report/)]);
      expect(await sha256File(path.join(out, 'while-down.bin'))).toBe(await sha256File(source));

      await restartSameServer();
      const [joined, hosted] = await Promise.all([joiner.done, host.done]);
      expectExit(joined, 0);
      expectExit(hosted, 0);
      const rows = expectExit(await alice.run(['sessions', '--json']), 0).stdout.trim().split('\n').map((line) => JSON.parse(line) as { id: string; state: string });
      expect(rows.find((r) => r.id === id)?.state).toBe('completed');
    } finally {
      await relay.close();
      await fs.rm(source, { force: true });
    }
  }, 120_000);

  it('keeps the verified file and says so when the server stays away past the retry window, reporting no failure', async () => {
    const source = path.join(alice.dir, 'gone.bin');
    await writeRandomFile(source, SIZE);
    const listenPort = await freePort();
    const relay = await startPausableRelay(listenPort);
    const env = { SFT_REPORT_RETRY_SECONDS: '2' };
    try {
      const host = alice.spawn(['host-session', 'gone.bin', '--to', 'bob', '--listen', `127.0.0.1:${listenPort}`, '--advertise', `127.0.0.1:${relay.port}`], { env });
      const id = await host.sessionId();
      const out = path.join(bob.dir, 'gone');
      const joiner = bob.spawn(['join', id, '--out', out], { env });
      await partialFileAppears(out, joiner.done);

      relay.pause();
      await sft.kill();
      relay.resume();
      const [joined, hosted] = await Promise.all([joiner.done, host.done]);
      expect(await sha256File(path.join(out, 'gone.bin'))).toBe(await sha256File(source));
      expectExit(joined, 5);
      expect(joined.stderr).toMatch(/received and verified: the files are kept, but the server was not told/);
      expectExit(hosted, 5);
      for (const result of [joined, hosted]) expect(result.stderr).not.toMatch(/\n\s+at /);

      // Neither side turned the undelivered report into a "failed" one: the session is still open, awaiting reports.
      await restartSameServer();
      const rows = expectExit(await alice.run(['sessions', '--json']), 0).stdout.trim().split('\n').map((line) => JSON.parse(line) as { id: string; state: string });
      expect(rows.find((r) => r.id === id)?.state).toBe('joined');
    } finally {
      await relay.close();
      await fs.rm(source, { force: true });
    }
  }, 120_000);
});
