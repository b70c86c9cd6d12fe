import { DataSource, type DataSourceOptions } from 'typeorm';

/** How long a starting server waits for another one's migrations before it gives up. */
const LOCK_WAIT_SECONDS = 120;

/**
 * Opens the server's DataSource and runs the pending migrations. On MySQL several servers may start at
 * once against one database (a scaled deployment): the migrations then run under a MySQL named lock
 * (GET_LOCK, per database), so one server migrates and the others wait and find nothing left to do.
 * Without it two servers would both try to create the same tables. SQLite has one server only.
 */
export async function openAndMigrate(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = new DataSource({ ...options, migrationsRun: false });
  await dataSource.initialize();
  try {
    if (options.type === 'mysql') await underMigrationLock(dataSource, () => dataSource.runMigrations({ transaction: 'each' }));
    else await dataSource.runMigrations({ transaction: 'each' });
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

async function underMigrationLock(dataSource: DataSource, migrate: () => Promise<unknown>): Promise<void> {
  // A named lock belongs to one connection: take and release it on the same one.
  const runner = dataSource.createQueryRunner();
  try {
    const [{ got }] = (await runner.query(`SELECT GET_LOCK(CONCAT('sft-migrate:', DATABASE()), ?) AS got`, [LOCK_WAIT_SECONDS])) as [{ got: unknown }];
    if (Number(got) !== 1) throw new Error(`another server held the migration lock for ${LOCK_WAIT_SECONDS} s`);
    try {
      await migrate();
    } finally {
      await runner.query(`SELECT RELEASE_LOCK(CONCAT('sft-migrate:', DATABASE()))`);
    }
  } finally {
    await runner.release();
  }
}
