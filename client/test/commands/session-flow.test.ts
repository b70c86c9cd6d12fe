import { describe, expect, it } from 'vitest';
import { abortable, defaultAdvertiseHost, isLoopback } from '../../src/commands/session-flow';
import { ExitError } from '../../src/errors';

describe(defaultAdvertiseHost.name, () => {
  it('advertises the listen address when it is a specific one', () => {
    expect(defaultAdvertiseHost('192.0.2.7', 'https://sft.example')).toBe('192.0.2.7');
  });

  it('advertises 127.0.0.1 for a wildcard listen address when the server is on loopback', () => {
    expect(defaultAdvertiseHost('0.0.0.0', 'https://localhost:8443')).toBe('127.0.0.1');
    expect(defaultAdvertiseHost('::', 'https://[::1]:8443')).toBe('127.0.0.1');
  });
});

describe(isLoopback.name, () => {
  it('knows the loopback names and addresses', () => {
    expect(['localhost', '127.0.0.1', '127.1.2.3', '::1'].every(isLoopback)).toBe(true);
    expect(['example.com', '10.0.0.1', '::2'].some(isLoopback)).toBe(false);
  });
});

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
