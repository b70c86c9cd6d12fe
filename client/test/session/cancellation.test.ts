import { describe, expect, it } from 'vitest';
import { ExitError } from '../../src/errors';
import { abortable } from '../../src/session/cancellation';

describe(abortable.name, () => {
  it('returns the work result when not aborted', async () => {
    expect(await abortable(new AbortController().signal, Promise.resolve(42), async () => undefined)).toBe(42);
  });

  it('runs the abort action and throws exit 6 when aborted', async () => {
    const controller = new AbortController();
    let cancelled = false;
    const work = new Promise<number>(() => undefined);
    const result = abortable(controller.signal, work, async () => {
      cancelled = true;
    });
    controller.abort();
    const error = (await result.catch((e: unknown) => e)) as ExitError;
    expect(error.exitCode).toBe(6);
    expect(cancelled).toBe(true);
  });

  it('still throws exit 6 when the work fails because cancelling dropped its connection', async () => {
    const controller = new AbortController();
    let fail: (error: Error) => void = () => undefined;
    const work = new Promise<number>((_, reject) => (fail = reject));
    const result = abortable(controller.signal, work, async () => fail(new Error('connection dropped')));
    controller.abort();
    await expect(result).rejects.toMatchObject({ exitCode: 6 });
  });
});
