import { once } from 'node:events';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { makeCa, makeServerCert, type KeyAndCert } from '../../../certs/src/x509';
import { ApiClient } from '../../src/api/api-client';
import { ApiError, ServerNotTrustedError, ServerUnreachableError } from '../../src/api/api-error';
import type { JoinAnswer, ReportBody, SessionState, SessionView } from '../../src/api/types';
import type { JoinedSessionView } from '../../../server/src/sessions/dto/session-view.dto';

/** A tiny HTTPS stand-in for the sft server: answers each path from `routes`, records requests. */
let ca: KeyAndCert;
let server: https.Server;
let url: string;
const requests: { method?: string; url?: string; authorization?: string; body: string }[] = [];
const routes: Record<string, (body: string) => [number, unknown]> = {
  'POST /auth/login': () => [200, { token: 'tok', expiresAt: 'soon', user: { id: 1, username: 'alice' } }],
  'GET /auth/me': () => [401, { statusCode: 401, code: 'unauthenticated', message: 'Your token is not valid.' }],
  'POST /sessions/abcd/join': () => [410, { statusCode: 410, code: 'session_closed', message: 'The session is closed.', state: 'expired' }],
  'POST /auth/logout': () => [204, undefined],
  'POST /sessions/nokey/join': () => [200, { session: { id: 'nokey', host: 'alice' }, key: 'k', hostSigningKey: null }],
  'POST /sessions/keyed/join': () => [200, { session: { id: 'keyed', host: 'alice' }, key: 'k', hostSigningKey: 'pub' }],
  'POST /sessions/keyed/interrupt': () => [200, { id: 'keyed', state: 'interrupted', attempt: 1 }],
  'POST /sessions/keyed/reconnected': () => [200, { id: 'keyed', state: 'joined', attempt: 1 }],
  'POST /sessions/keyed/rejoin': () => [200, { session: { id: 'keyed', host: 'alice' }, key: 'k', hostSigningKey: 'pub' }],
  'POST /sessions/nokey/rejoin': () => [200, { session: { id: 'nokey', host: 'alice' }, key: 'k', hostSigningKey: null }],
};

beforeAll(async () => {
  ca = await makeCa('api test CA');
  const cert = await makeServerCert(ca, ['127.0.0.1']);
  server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, authorization: req.headers.authorization, body });
      const route = routes[`${req.method} ${req.url?.split('?')[0]}`];
      const [status, answer] = route ? route(body) : [404, { code: 'not_found', message: 'No such route.' }];
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(answer === undefined ? undefined : JSON.stringify(answer));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.close();
});

describe(ApiClient.name, () => {
  it('sends JSON and parses the answer when the server certificate is trusted via the CA', async () => {
    const answer = await new ApiClient({ serverUrl: url, ca: ca.certPem }).login('alice', 'pw');
    expect(answer.user.username).toBe('alice');
    expect(JSON.parse(requests.at(-1)!.body)).toEqual({ username: 'alice', password: 'pw' });
  });

  it('sends the token as a bearer header', async () => {
    await new ApiClient({ serverUrl: url, ca: ca.certPem, token: 'secret-token' }).logout();
    expect(requests.at(-1)!.authorization).toBe('Bearer secret-token');
  });

  it('turns an HTTP error into an ApiError with status and code', async () => {
    const error = await new ApiClient({ serverUrl: url, ca: ca.certPem, token: 'x' }).me().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 401, code: 'unauthenticated' });
  });

  it('keeps the state of a closed session', async () => {
    const error = await new ApiClient({ serverUrl: url, ca: ca.certPem, token: 'x' }).joinSession('abcd', 'PEM').catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 410, code: 'session_closed', state: 'expired' });
  });

  it('answers a join with the host signing key the server gave', async () => {
    const answer = await new ApiClient({ serverUrl: url, ca: ca.certPem, token: 'x' }).joinSession('keyed', 'PEM');
    expect(answer.hostSigningKey).toBe('pub');
  });

  it('refuses a join answer without the host signing key with signing_key_missing', async () => {
    const error = await new ApiClient({ serverUrl: url, ca: ca.certPem, token: 'x' }).joinSession('nokey', 'PEM').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, code: 'signing_key_missing', message: expect.stringContaining('alice') });
  });

  it('sends interrupt, reconnected and rejoin (issue 14) to their routes with their bodies', async () => {
    const client = new ApiClient({ serverUrl: url, ca: ca.certPem, token: 'x' });
    expect((await client.interruptSession('keyed', 0, 'peer_closed')).state).toBe('interrupted');
    expect(JSON.parse(requests.at(-1)!.body)).toEqual({ attempt: 0, reason: 'peer_closed' });
    expect((await client.reconnectedSession('keyed', 1)).state).toBe('joined');
    expect(JSON.parse(requests.at(-1)!.body)).toEqual({ attempt: 1 });
    const rejoined = await client.rejoinSession('keyed', { certificate: 'PEM', endpoint: { host: '127.0.0.1', port: 4000 } });
    expect(rejoined).toMatchObject({ key: 'k', hostSigningKey: 'pub' });
    expect(requests.at(-1)).toMatchObject({ method: 'POST', url: '/sessions/keyed/rejoin' });
    expect(JSON.parse(requests.at(-1)!.body)).toEqual({ certificate: 'PEM', endpoint: { host: '127.0.0.1', port: 4000 } });
    const error = await client.rejoinSession('nokey', { certificate: 'PEM' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 404, code: 'signing_key_missing' });
  });

  it('refuses a server whose certificate no given CA signed', async () => {
    const other = await makeCa('someone else');
    const error = await new ApiClient({ serverUrl: url, ca: other.certPem }).login('a', 'b').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerNotTrustedError);
    expect((error as ServerNotTrustedError).caGiven).toBe(true);
  });

  it('refuses a self-made CA it was not told about', async () => {
    const error = await new ApiClient({ serverUrl: url }).login('a', 'b').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerNotTrustedError);
    expect((error as ServerNotTrustedError).caGiven).toBe(false);
  });

  it('reports a refused connection as unreachable', async () => {
    const error = await new ApiClient({ serverUrl: 'https://127.0.0.1:1' }).login('a', 'b').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerUnreachableError);
  });

  it('refuses plain http URLs', async () => {
    const error = await new ApiClient({ serverUrl: 'http://127.0.0.1:1' }).login('a', 'b').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'insecure_url' });
  });
});

// Checked by `npm run typecheck`: the client's API types are the server's DTOs as JSON.
describe('API types', () => {
  it('take nullability and enum values from the server DTOs', () => {
    expectTypeOf<JoinAnswer['hostSigningKey']>().toEqualTypeOf<JoinedSessionView['hostSigningKey']>();
    expectTypeOf<SessionState>().toEqualTypeOf<'waiting' | 'joined' | 'interrupted' | 'completed' | 'failed' | 'cancelled' | 'expired'>();
    expectTypeOf<SessionView['joiner']>().toEqualTypeOf<string | null>();
    expectTypeOf<ReportBody['role']>().toEqualTypeOf<'sender' | 'receiver'>();
    expectTypeOf<ReportBody['reason']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ReportBody['linkBytes']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<SessionView['attempt']>().toEqualTypeOf<number>();
    expectTypeOf<SessionView['interruptedAt']>().toEqualTypeOf<string | null>();
    expectTypeOf<SessionView['linkBytes']>().toEqualTypeOf<number | null>();
  });
});
