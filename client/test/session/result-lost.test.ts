import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../../src/api/api-client';
import type { SessionView } from '../../src/api/types';
import { SignedTrailer } from '../../src/session/result-lost';
import type { TransferSummary } from '../../src/transfer/types';

const SUMMARY: TransferSummary = { bytes: 5, linkBytes: 5, resumedBytes: 0, files: [], verificationPhrase: '123 456' };

function view(state: SessionView['state'], receiver: boolean): SessionView {
  return { id: 'id', state, reported: { sender: false, receiver } } as SessionView;
}

/** A server that answers each read with the next of `views` (the last one from then on), counting the reads. */
function serverShowing(...views: SessionView[]): ApiClient & { reads: number } {
  const api = {
    reads: 0,
    getSession: () => Promise.resolve(views[Math.min(api.reads++, views.length - 1)]),
  };
  return api as unknown as ApiClient & { reads: number };
}

describe(SignedTrailer.name, () => {
  it('gives the signed summary back only for an open session whose receiver reported (so verified)', () => {
    const trailer = new SignedTrailer();
    trailer.remember(SUMMARY);
    expect(trailer.acceptedIn(view('interrupted', true))).toBe(SUMMARY);
    expect(trailer.acceptedIn(view('joined', true))).toBe(SUMMARY);
    expect(trailer.acceptedIn(view('joined', false))).toBeUndefined();
    expect(trailer.acceptedIn(view('failed', true))).toBeUndefined();
  });

  it('claims nothing before a TRAILER went out, or after a new link forgot it', async () => {
    const trailer = new SignedTrailer();
    expect(trailer.acceptedIn(view('joined', true))).toBeUndefined();
    trailer.remember(SUMMARY);
    trailer.forget();
    expect(trailer.pending).toBe(false);
    const api = serverShowing(view('joined', true));
    expect(await trailer.check(api, 'id')).toBeUndefined();
    expect(api.reads).toBe(0);
  });

  it('reads the session once without a grace, and keeps looking within one for a receiver still reporting', async () => {
    const trailer = new SignedTrailer();
    trailer.remember(SUMMARY);
    const once = serverShowing(view('interrupted', false), view('interrupted', true));
    expect(await trailer.check(once, 'id')).toBeUndefined();
    expect(once.reads).toBe(1);
    const later = serverShowing(view('interrupted', false), view('interrupted', true));
    expect(await trailer.check(later, 'id', 3_000)).toBe(SUMMARY);
    expect(later.reads).toBe(2);
  });

  it('stops looking when the session closed, and takes a server that does not answer for "not reported"', async () => {
    const trailer = new SignedTrailer();
    trailer.remember(SUMMARY);
    const closed = serverShowing(view('failed', false));
    expect(await trailer.check(closed, 'id', 3_000)).toBeUndefined();
    expect(closed.reads).toBe(1);
    const down = { getSession: () => Promise.reject(new Error('ECONNREFUSED')) } as unknown as ApiClient;
    expect(await trailer.check(down, 'id')).toBeUndefined();
  });
});
