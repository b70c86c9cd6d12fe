/**
 * Section "server": sessions created+joined per second by 50 concurrent keep-alive HTTPS clients,
 * with p50/p99 latency, and the login rate at the server's bcrypt cost — on SQLite and on MySQL; then the
 * session rate of one and of two servers sharing MySQL and Redis.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { redactUrl } from '../../server/src/common/redact-url';
import { deleteRedisKeys, redisUnavailableReason } from '../../server/src/redis/redis-probe';
import { MeasuredChild } from '../lib/child';
import type { BenchConfig } from '../lib/config';
import { scratchDir } from '../lib/files';
import { log } from '../lib/log';
import { SERVER_CHILD } from '../lib/paths';
import type { Results } from '../lib/results';
import { LoadClient } from '../server-load/https-json';
import { healthLoad, loginLoad, makeCerts, makePairs, sessionLoad, type SessionLoadRun } from '../server-load/load';

const SECTION = 'server';

export async function runServerSection(config: BenchConfig, results: Results): Promise<void> {
  await measureDatabase(config, results, 'SQLite', (dataDir) => Promise.resolve({ url: `sqlite:${join(dataDir, 'bench.sqlite')}`, drop: async () => undefined }));
  const unavailable = await mysqlUnavailable(config.mysqlUrl);
  if (unavailable) {
    results.skip(SECTION, 'MySQL', `MySQL skipped: ${unavailable}`);
    return;
  }
  await measureDatabase(config, results, 'MySQL', () => freshMysqlDatabase(config.mysqlUrl));
  const noRedis = await redisUnavailableReason(config.redisUrl);
  if (noRedis) {
    results.skip(SECTION, 'MySQL + Redis', `several servers skipped: ${noRedis}`);
    return;
  }
  for (const count of [1, 2]) await measureServers(config, results, count);
}

/**
 * Sessions created+joined per second by `count` servers on one MySQL database and one Redis, the load
 * spread over them with every session created on one server and joined on the next (when count > 1):
 * the shape of several servers behind a load balancer, without a balancer's own cost. All processes
 * share the machine's cores, so this shows what a second server costs and gains here, not on two machines.
 */
async function measureServers(config: BenchConfig, results: Results, count: number): Promise<void> {
  const cfg = config.server;
  const label = `MySQL + Redis, ${count} server${count > 1 ? 's' : ''}`;
  // One data dir for all: the first server makes the secrets and the CA, the others read the same files.
  const dataDir = scratchDir(`server-scale-${count}`);
  const prefix = `sft-bench-${randomBytes(6).toString('hex')}:`;
  const serverEnv = JSON.stringify({ SFT_REDIS_URL: config.redisUrl, SFT_REDIS_PREFIX: prefix });
  const servers: MeasuredChild[] = [];
  const clients: LoadClient[] = [];
  let db: { url: string; drop(): Promise<void> } | null = null;
  try {
    log(`  ${label}: starting, making accounts`);
    db = await freshMysqlDatabase(config.mysqlUrl);
    for (let i = 0; i < count; i++) {
      const server = new MeasuredChild(`server ${i + 1} (${label})`, [SERVER_CHILD, db.url, dataDir], {
        timeoutMs: 60 * 60 * 1000,
        env: { ...process.env, SFT_BENCH_SERVER_ENV: serverEnv },
      });
      servers.push(server);
      const listening = (await server.waitForEvent((e) => e.event === 'listening', 60_000)).event as { url: string; caCertificate: string };
      clients.push(new LoadClient(listening.url, readFileSync(listening.caCertificate, 'utf8'), cfg.concurrency));
    }
    const [pairs, certs] = await Promise.all([makePairs(clients[0], cfg.pairs), makeCerts(4)]);
    await measure(results, `${label} sessions created+joined`, async () => {
      await sessionLoad(clients, pairs, certs, cfg.concurrency, cfg.warmupSeconds);
      const runs: SessionLoadRun[] = [];
      for (let i = 0; i < config.runs; i++) runs.push(await sessionLoad(clients, pairs, certs, cfg.concurrency, cfg.seconds));
      const spread = count > 1 ? ', each session created on one server and joined on another' : '';
      results.add(SECTION, `${label}: sessions created+joined`, 'per s', runs.map((r) => r.rate), `${cfg.concurrency} clients, ${cfg.seconds} s per run${spread}`);
      results.add(SECTION, `${label}: create+join latency p50`, 'ms', runs.map((r) => r.p50Ms));
    });
  } catch (error) {
    results.fail(SECTION, `${label} servers and accounts`, error);
  } finally {
    for (const client of clients) client.close();
    for (const server of servers) server.stop();
    await Promise.all(servers.map((server) => server.exited.catch(() => undefined)));
    await db?.drop().catch(() => undefined);
    await deleteRedisKeys(config.redisUrl, prefix).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function measureDatabase(
  config: BenchConfig,
  results: Results,
  label: string,
  database: (dataDir: string) => Promise<{ url: string; drop(): Promise<void> }>,
): Promise<void> {
  const cfg = config.server;
  const dataDir = scratchDir(`server-${label.toLowerCase()}`);
  let db: { url: string; drop(): Promise<void> } | null = null;
  let server: MeasuredChild | null = null;
  let client: LoadClient | null = null;
  try {
    log(`  ${label}: starting the server, making accounts`);
    db = await database(dataDir);
    server = new MeasuredChild(`server (${label})`, [SERVER_CHILD, db.url, dataDir], { timeoutMs: 60 * 60 * 1000 });
    const listening = (await server.waitForEvent((e) => e.event === 'listening', 60_000)).event as { url: string; caCertificate: string; bcryptCost: number };
    const api = new LoadClient(listening.url, readFileSync(listening.caCertificate, 'utf8'), cfg.concurrency);
    client = api;
    const [pairs, certs] = await Promise.all([makePairs(api, cfg.pairs), makeCerts(4)]);
    log(`  ${label}: sessions, ${config.runs} × ${cfg.seconds} s`);
    await measure(results, `${label} sessions created+joined`, async () => {
      await sessionLoad(api, pairs, certs, cfg.concurrency, cfg.warmupSeconds);
      const runs: SessionLoadRun[] = [];
      for (let i = 0; i < config.runs; i++) runs.push(await sessionLoad(api, pairs, certs, cfg.concurrency, cfg.seconds));
      results.add(SECTION, `${label} sessions created+joined`, 'per s', runs.map((r) => r.rate), `${cfg.concurrency} clients, ${cfg.seconds} s per run`);
      results.add(SECTION, `${label} create+join latency p50`, 'ms', runs.map((r) => r.p50Ms));
      results.add(SECTION, `${label} create+join latency p99`, 'ms', runs.map((r) => r.p99Ms));
    });
    await measure(results, `${label} GET /health (reference)`, async () => {
      const health: number[] = [];
      for (let i = 0; i < config.runs; i++) health.push(await healthLoad(api, cfg.concurrency, cfg.seconds / 2));
      results.add(SECTION, `${label} GET /health (reference)`, 'per s', health, 'HTTP stack + 1 query');
    });
    log(`  ${label}: logins`);
    await measure(results, `${label} logins`, async () => {
      const accounts = pairs.flatMap((p) => [p.host, p.joiner]);
      const logins: number[] = [];
      for (let i = 0; i < config.runs; i++) logins.push(await loginLoad(api, accounts, cfg.logins, cfg.loginConcurrency));
      results.add(SECTION, `${label} logins`, 'per s', logins, `bcrypt cost ${listening.bcryptCost}, ${cfg.loginConcurrency} at a time`);
    });
  } catch (error) {
    results.fail(SECTION, `${label} server and accounts`, error);
  } finally {
    client?.close();
    if (server) {
      server.stop();
      await server.exited.catch(() => undefined);
    }
    await db?.drop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Runs one measurement; its failure is recorded and the next measurement still runs. */
async function measure(results: Results, name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    results.fail(SECTION, name, error);
  }
}

async function mysqlUnavailable(url: string): Promise<string | null> {
  try {
    const connection = await createConnection({ uri: url, connectTimeout: 3000 });
    await connection.end();
    return null;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return `no MySQL answers at ${redactUrl(url)} (${code ?? message})`;
  }
}

/** A fresh database on the server of `url`, dropped by `drop()`. */
async function freshMysqlDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sft_bench_${randomBytes(6).toString('hex')}`;
  await adminQuery(url, `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const fresh = new URL(url);
  fresh.pathname = `/${name}`;
  return { url: fresh.toString(), drop: () => adminQuery(url, `DROP DATABASE IF EXISTS \`${name}\``) };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const connection = await createConnection({ uri: url, connectTimeout: 3000 });
  try {
    await connection.query(sql);
  } finally {
    await connection.end();
  }
}
