/** Reading the two sides of an in-process transfer run with Promise.allSettled. */
import { expect } from 'vitest';
import type { TransferError } from '../../src/transfer/errors';

/** The value of a side that must have succeeded (its error is thrown as it was). */
export function value<T>(r: PromiseSettledResult<T>): T {
  if (r.status === 'rejected') throw r.reason;
  return r.value;
}

/** The error of a side that must have failed. */
export function reason(r: PromiseSettledResult<unknown>): TransferError {
  expect(r.status).toBe('rejected');
  return (r as PromiseRejectedResult).reason as TransferError;
}
