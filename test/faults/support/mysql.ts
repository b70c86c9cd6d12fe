/** MySQL for the fault tests: same rules as server/test/support/databases.ts (skip with the reason, unless SFT_REQUIRE_MYSQL=1). */
import { describe } from 'vitest';
import { mysqlUnavailableReason, testMysqlUrl } from '../../../server/test/support/mysql';

export { createFreshMysqlDatabase, mysqlQuery, testMysqlUrl } from '../../../server/test/support/mysql';

/** Null when the MySQL suites can run; otherwise why they are skipped. Throws when SFT_REQUIRE_MYSQL=1 and MySQL is down. */
export async function mysqlSkipReason(): Promise<string | null> {
  const reason = await mysqlUnavailableReason(testMysqlUrl());
  if (reason && process.env.SFT_REQUIRE_MYSQL === '1') throw new Error(`${reason}, and SFT_REQUIRE_MYSQL=1 requires it.`);
  if (reason) process.stderr.write(`MySQL fault tests skipped: ${reason}. Set SFT_TEST_MYSQL_URL to run them.\n`);
  return reason;
}

/**
 * `describe(title, body)` that runs only when MySQL answers; otherwise a skipped suite whose name
 * says why (or a failure under SFT_REQUIRE_MYSQL=1).
 */
export function describeWithMysql(title: string, body: () => void): void {
  describe(title, async () => {
    const reason = await mysqlSkipReason();
    (reason ? describe.skip : describe)(reason ? `on MySQL — skipped: ${reason}` : 'on MySQL', body);
  });
}
