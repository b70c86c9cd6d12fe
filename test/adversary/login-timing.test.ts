/**
 * User enumeration by timing: a login for an unknown user must cost the same as a wrong password —
 * exactly one bcrypt comparison, against a hash of the same cost. Timing itself is not asserted here
 * (tests hold no timing assertions); this proves the code path that makes the times equal, through the
 * real server, by counting the bcrypt comparisons it makes. The measured difference is in docs/security.md.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerAndLogin } from '../../server/test/support/accounts';
import { startTestServer, type TestServer } from '../../server/test/support/test-server';

const compared = vi.hoisted(() => ({ hashes: [] as string[] }));

vi.mock('bcrypt', async (importOriginal) => {
  const real = await importOriginal<typeof import('bcrypt')>();
  const compare = (data: string, hash: string) => {
    compared.hashes.push(hash);
    return real.compare(data, hash);
  };
  return { ...real, compare, default: { ...real, compare } };
});

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ options: { loginLimit: 1000, loginAddressLimit: 1000 } });
  await registerAndLogin(t.api, 'alice', 'alice-password-1');
});
afterAll(async () => {
  await t?.close();
});
beforeEach(() => {
  compared.hashes.length = 0;
});

const cost = (hash: string) => hash.match(/^\$2[aby]\$(\d\d)\$/)?.[1];

describe('login timing for unknown users', () => {
  it('makes exactly one bcrypt comparison for a wrong password', async () => {
    expect((await t.api.post('/auth/login', { body: { username: 'alice', password: 'wrong password' } })).status).toBe(401);
    expect(compared.hashes).toHaveLength(1);
    expect(cost(compared.hashes[0])).toBe('12');
  });

  it('makes exactly one bcrypt comparison, against a hash of the same cost, for a user that does not exist', async () => {
    expect((await t.api.post('/auth/login', { body: { username: 'nobody', password: 'wrong password' } })).status).toBe(401);
    expect(compared.hashes).toHaveLength(1);
    expect(cost(compared.hashes[0])).toBe('12');
  });

  it('compares unknown users against the same dummy hash every time (made once, not per request)', async () => {
    await t.api.post('/auth/login', { body: { username: 'nobody1', password: 'x-password' } });
    await t.api.post('/auth/login', { body: { username: 'nobody2', password: 'y-password' } });
    expect(compared.hashes).toHaveLength(2);
    expect(compared.hashes[0]).toBe(compared.hashes[1]);
  });
});
