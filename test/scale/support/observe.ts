/** Small helpers the scale tests use to watch servers and rows. */
import type { ApiResponse } from '../../../server/test/support/https-client';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every 100 ms until it is true; throws after `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * Starts a long-poll, makes sure it is still waiting a moment later, then makes the change and says how
 * long after the change the long-poll answered.
 */
export async function timeWait(wait: () => Promise<ApiResponse>, change: () => Promise<void>): Promise<{ answer: ApiResponse; msFromChange: number }> {
  let answered = false;
  const waiting = wait().finally(() => (answered = true));
  await sleep(1500);
  if (answered) throw new Error(`the long-poll answered before the change: ${(await waiting).text}`);
  const changedAt = Date.now();
  await change();
  const answer = await waiting;
  return { answer, msFromChange: Date.now() - changedAt };
}

/** Sum of `closed` over the "expiry sweep closed overdue sessions" lines in a server's stdout. */
export function sweptCounts(stdout: string): number {
  let total = 0;
  for (const line of stdout.split('\n')) {
    if (!line.includes('"expiry sweep closed overdue sessions"')) continue;
    total += (JSON.parse(line) as { closed: number }).closed;
  }
  return total;
}
