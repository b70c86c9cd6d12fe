import { describe } from 'vitest';
import { mysqlUnavailableReason, testMysqlUrl } from './mysql';

/** One database the server suites run against. */
export interface TestDatabase {
  /** Shown in the suite name: 'sqlite' or 'mysql'. */
  name: string;
  /** Passed to startTestServer; undefined = SQLite in the temp data dir. */
  dbUrl: string | undefined;
  /** Why this database's suites are skipped, or null to run them. */
  skipReason: string | null;
}

/**
 * The database matrix: SQLite always; MySQL from SFT_TEST_MYSQL_URL (default local). When MySQL
 * does not answer its suites are skipped with the reason in their name — unless SFT_REQUIRE_MYSQL=1,
 * in which case this throws and the run fails.
 */
export async function databases(): Promise<TestDatabase[]> {
  const url = testMysqlUrl();
  const reason = await mysqlUnavailableReason(url);
  if (reason && process.env.SFT_REQUIRE_MYSQL === '1') {
    throw new Error(`${reason}, and SFT_REQUIRE_MYSQL=1 requires it.`);
  }
  if (reason) process.stderr.write(`MySQL suites skipped: ${reason}. Set SFT_TEST_MYSQL_URL to run them.\n`);
  return [
    { name: 'sqlite', dbUrl: undefined, skipReason: null },
    { name: 'mysql', dbUrl: url, skipReason: reason },
  ];
}

/** `describe` for each database; a skipped database shows up as a skipped suite that says why. */
export function suiteName(db: TestDatabase, title: string): string {
  return db.skipReason ? `${title} — skipped: ${db.skipReason}` : title;
}

/**
 * Declares `body` once per database, inside a suite called `title`:
 * `describeEachDatabase(AuthController.name, (db) => { beforeAll(() => startTestServer({ dbUrl: db.dbUrl })) … })`.
 * A database that is not available appears as a skipped suite whose name says why.
 */
export function describeEachDatabase(title: string, body: (db: TestDatabase) => void): void {
  describe(title, async () => {
    for (const db of await databases()) {
      (db.skipReason ? describe.skip : describe)(suiteName(db, db.name), () => body(db));
    }
  });
}
