import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';

export const DEFAULT_TEST_MYSQL_URL = 'mysql://root@127.0.0.1:3306/test';

/** The MySQL server tests use: SFT_TEST_MYSQL_URL or the local default. */
export function testMysqlUrl(): string {
  return process.env.SFT_TEST_MYSQL_URL || DEFAULT_TEST_MYSQL_URL;
}

/** Null when MySQL answers `SELECT 1`; otherwise why not. */
export async function mysqlUnavailableReason(url = testMysqlUrl()): Promise<string | null> {
  try {
    const connection = await createConnection({ uri: url, connectTimeout: 3000 });
    try {
      await connection.query('SELECT 1');
    } finally {
      await connection.end();
    }
    return null;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return `MySQL at ${redact(url)} does not answer (${code ?? message})`;
  }
}

/** Creates a fresh, uniquely named database on the server of `url`; `drop()` removes it. */
export async function createFreshMysqlDatabase(url = testMysqlUrl()): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `sft_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(url, `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const fresh = new URL(url);
  fresh.pathname = `/${name}`;
  return { url: fresh.toString(), name, drop: () => adminQuery(url, `DROP DATABASE IF EXISTS \`${name}\``) };
}

/** Runs one query on the server of `url` and returns the rows. */
export async function mysqlQuery<T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const connection = await createConnection({ uri: url, connectTimeout: 3000 });
  try {
    const [rows] = await connection.query(sql, params);
    return rows as T[];
  } finally {
    await connection.end();
  }
}

async function adminQuery(url: string, sql: string): Promise<void> {
  await mysqlQuery(url, sql);
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
