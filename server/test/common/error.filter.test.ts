import { BadRequestException, NotFoundException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { AuthError, AuthErrorCode } from '../../src/auth/auth.errors';
import { RequestError, RequestErrorCode } from '../../src/common/app-error';
import { toErrorBody } from '../../src/common/error.filter';
import { DeliveryError, DeliveryErrorCode } from '../../src/deliveries/deliveries.errors';
import { SessionError, SessionErrorCode } from '../../src/sessions/sessions.errors';
import { SessionState } from '../../src/sessions/session-state';
import { UserError, UserErrorCode } from '../../src/users/users.errors';

/** The table in docs/api.md, as code → status. */
const DOCUMENTED: Record<string, number> = {
  validation_failed: 400, unauthenticated: 401, invalid_credentials: 401, username_taken: 409, user_not_found: 404,
  signing_key_missing: 404, session_not_found: 404, not_invited: 403, own_session: 403, session_already_joined: 409,
  session_closed: 410, session_not_joined: 409, wrong_role: 403, report_duplicate: 409, payload_too_large: 413,
  rate_limited: 429, rate_limit_unavailable: 503, database_unavailable: 503, not_found: 404, delivery_key_missing: 404,
  delivery_not_found: 404, delivery_closed: 410, delivery_too_large: 413, quota_exceeded: 507, storage_full: 507,
  upload_out_of_order: 409, upload_incomplete: 409, bad_part: 400, range_not_satisfiable: 416,
};

describe(toErrorBody.name, () => {
  const errors = [
    ...Object.values(AuthErrorCode).map((code) => new AuthError(code)),
    ...Object.values(UserErrorCode).map((code) => new UserError(code)),
    ...Object.values(SessionErrorCode).map((code) => new SessionError(code)),
    ...Object.values(RequestErrorCode).map((code) => new RequestError(code)),
    ...Object.values(DeliveryErrorCode).map((code) => new DeliveryError(code)),
  ];

  it.each(errors.map((error) => [error.code, error] as const))('maps %s to the documented status', (code, error) => {
    expect(toErrorBody(error)).toEqual({ statusCode: DOCUMENTED[code], code, message: expect.stringMatching(/\S/) });
  });

  it('names both body limits in payload_too_large', () => {
    expect(toErrorBody(new RequestError(RequestErrorCode.PayloadTooLarge)).message).toMatch(/64 KiB.*2 MiB/);
  });

  it('adds the state to session_closed', () => {
    expect(toErrorBody(new SessionError(SessionErrorCode.Closed, SessionState.Expired))).toMatchObject({ state: 'expired' });
  });

  it('maps driver connection errors (also wrapped by TypeORM) to 503', () => {
    const wrapped = Object.assign(new Error('query failed'), { driverError: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) });
    expect(toErrorBody(wrapped).code).toBe('database_unavailable');
  });

  it('maps Nest 404 and 400 to not_found and validation_failed', () => {
    expect(toErrorBody(new NotFoundException()).code).toBe('not_found');
    expect(toErrorBody(new BadRequestException()).code).toBe('validation_failed');
  });

  it('hides anything else behind internal_error', () => {
    expect(toErrorBody(new Error('secret detail'))).toEqual({ statusCode: 500, code: 'internal_error', message: 'Something went wrong on the server.' });
  });
});
