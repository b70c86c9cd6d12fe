import { DataSource } from 'typeorm';
import { mysqlQuery } from './mysql';

/** Reads rows straight from a test server's database (SQLite file or MySQL), bypassing the API. */
export async function queryDatabase<T = Record<string, unknown>>(dbUrl: string, sql: string, params: unknown[] = []): Promise<T[]> {
  if (dbUrl.startsWith('mysql://')) return mysqlQuery<T>(dbUrl, sql, params);
  const sqlite = new DataSource({ type: 'better-sqlite3', database: dbUrl.slice('sqlite:'.length), readonly: true });
  await sqlite.initialize();
  try {
    return (await sqlite.query(sql, params)) as T[];
  } finally {
    await sqlite.destroy();
  }
}

/** The stored row of a session, by its id as the API shows it (`xxxx-xxxx-xxxx-xxxx`). */
export async function sessionRow(dbUrl: string, apiId: string): Promise<Record<string, unknown> | undefined> {
  const rows = await queryDatabase(dbUrl, 'SELECT * FROM sessions WHERE id = ?', [apiId.replace(/-/g, '')]);
  return rows[0];
}
