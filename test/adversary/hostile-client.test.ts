/**
 * The real server against a password-guessing client that tries to dodge the login throttle. What
 * server/test/auth already proves (plain per-account and per-address limits, forged, expired, alg:none
 * and revoked tokens, foreign sessions, second joins, forged reports) is not repeated here.
 */
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAndLogin } from '../../server/test/support/accounts';
import { startTestServer, type TestServer } from '../../server/test/support/test-server';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ options: { loginLimit: 3, loginAddressLimit: 6 } });
  await registerAndLogin(t.api, 'victim', 'victim-password-1');
});

afterAll(async () => {
  await t?.close();
});

/** POST /auth/login from a chosen loopback source address (127.0.0.x), with extra headers. */
function loginFrom(localAddress: string, body: object, headers: Record<string, string> = {}): Promise<number> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL('/auth/login', t.url),
      { method: 'POST', ca: t.caPem, agent: false, localAddress, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)), ...headers } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('the login throttle against evasion', () => {
  it('keeps one account locked when the guesses come from many source addresses', async () => {
    const statuses: number[] = [];
    for (let i = 2; i < 8; i++) statuses.push(await loginFrom(`127.0.0.${i}`, { username: 'victim', password: `guess-${i}-wrong` }));
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual([429, 429, 429]);
    expect(await loginFrom('127.0.0.9', { username: 'victim', password: 'victim-password-1' })).toBe(429);
  });

  it('does not let a forged X-Forwarded-For header reset the per-address limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push(await loginFrom('127.0.0.20', { username: `nobody${i}`, password: 'whatever-1' }, { 'x-forwarded-for': `203.0.113.${i}`, 'x-real-ip': `198.51.100.${i}` }));
    }
    expect(statuses.slice(0, 6)).toEqual([401, 401, 401, 401, 401, 401]);
    expect(statuses.slice(6)).toEqual([429, 429]);
  });
});
