import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { dataSourceOptions, MIGRATIONS } from '../../src/database/data-source-options';
import { parseDatabaseUrl } from '../../src/config/app-config';
import { describeEachDatabase } from '../support/databases';
import { createFreshMysqlDatabase } from '../support/mysql';

describeEachDatabase('database/migrations', (db) => {
  let dataSource: DataSource;
  let cleanUp: () => Promise<void>;

  beforeAll(async () => {
    let url: string;
    if (db.dbUrl) {
      const fresh = await createFreshMysqlDatabase(db.dbUrl);
      url = fresh.url;
      cleanUp = fresh.drop;
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'sft-migrations-'));
      url = `sqlite:${join(dir, 'db.sqlite')}`;
      cleanUp = async () => rmSync(dir, { recursive: true, force: true });
    }
    dataSource = new DataSource({ ...dataSourceOptions(parseDatabaseUrl(url)), migrationsRun: false });
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await cleanUp?.();
  });

  const tables = async () => {
    const runner = dataSource.createQueryRunner();
    try {
      return (await runner.getTables(['users', 'revoked_tokens', 'sessions'])).map((table) => table.name.split('.').pop());
    } finally {
      await runner.release();
    }
  };

  it('creates every table, undoes every migration, and creates them again', async () => {
    expect(await dataSource.runMigrations()).toHaveLength(MIGRATIONS.length);
    expect((await tables()).sort()).toEqual(['revoked_tokens', 'sessions', 'users']);
    for (let i = 0; i < MIGRATIONS.length; i++) await dataSource.undoLastMigration();
    expect(await tables()).toEqual([]);
    expect(await dataSource.runMigrations()).toHaveLength(MIGRATIONS.length);
    expect(await dataSource.showMigrations()).toBe(false);
  });
});
