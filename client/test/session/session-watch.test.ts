import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../../src/api/api-client';
import type { SessionView } from '../../src/api/types';
import { ExitError } from '../../src/errors';
import { whileSessionOpen } from '../../src/session/session-watch';

/** A server whose long-poll answers at once that the session closed in `state`. */
function closedAs(state: SessionView['state']): ApiClient {
  return { waitSession: () => Promise.resolve({ id: 'id', state, reason: 'the peer said so' } as SessionView) } as unknown as ApiClient;
}

const failsAfter = (ms: number) => new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the link closed')), ms));

describe(whileSessionOpen.name, () => {
  it('lets our own failure win when the peer reported one and ours follows within the grace (a link that broke under both)', async () => {
    let stopped = false;
    const run = whileSessionOpen(closedAs('failed'), 'id', failsAfter(200), async () => {
      stopped = true;
    });
    await expect(run).rejects.toThrow('the link closed');
    expect(stopped).toBe(false);
  });

  it('stops the transfer at once with exit 6 when the session was cancelled', async () => {
    let stopped = false;
    const run = whileSessionOpen(closedAs('cancelled'), 'id', failsAfter(2_000), async () => {
      stopped = true;
    });
    await expect(run).rejects.toBeInstanceOf(ExitError);
    await expect(run).rejects.toMatchObject({ exitCode: 6, message: expect.stringContaining('cancelled (the peer said so)') });
    expect(stopped).toBe(true);
  });
});
