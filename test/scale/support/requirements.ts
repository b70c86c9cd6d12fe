/** The scale suites need MySQL and Redis: each follows its own skip/require rule (SFT_REQUIRE_MYSQL, SFT_REQUIRE_REDIS). */
import { describe } from 'vitest';
import { redisSkipReason } from '../../../server/test/support/redis';
import { mysqlSkipReason } from '../../faults/support/mysql';

/** `describe(title, body)` that runs only when both MySQL and Redis answer; otherwise skipped with the reasons in its name. */
export function describeWithMysqlAndRedis(title: string, body: () => void): void {
  describe(title, async () => {
    const reasons = [await mysqlSkipReason(), await redisSkipReason()].filter((reason): reason is string => reason !== null);
    const skip = reasons.length > 0;
    (skip ? describe.skip : describe)(skip ? `on MySQL and Redis — skipped: ${reasons.join('; ')}` : 'on MySQL and Redis', body);
  });
}
