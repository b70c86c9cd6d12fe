/**
 * Issue 14: what a side does when its peer link drops mid-transfer. Once a link has carried a HELLO,
 * a link error does not fail the session while the reconnect window (`--retry-for`, default 5 min) lasts:
 * the side marks the session interrupted, backs off (0.5 s doubling to 5 s), reads the session again and
 * connects again; the transfer resumes from what the receiver holds and can prove (docs/protocol.md).
 * This file holds the policy: which errors are a lost link, the window and its backoff, the words.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ApiError, ServerUnreachableError } from '../api/api-error';
import { ExitCode, ExitError } from '../errors';
import { PeerLinkError } from '../peer';
import { TransferError } from '../transfer/errors';

/** `--retry-for` when not given: 5 minutes. */
export const DEFAULT_RETRY_SECONDS = 300;
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 5_000;
/** While reconnecting, how often the session is read to see whether the peer came back with a new certificate. */
export const PEER_POLL_MS = 1_000;

/** A transfer that failed because the link went away (not because of what crossed it). */
export function isLinkLoss(error: unknown): boolean {
  return error instanceof TransferError && !error.remote && (error.code === 'peer_closed' || error.code === 'timeout' || error.code === 'tls');
}

/** While reconnecting: a failure worth another try (the peer is not back yet, the server blinked). */
export function isRetryable(error: unknown): boolean {
  if (isLinkLoss(error)) return true;
  if (error instanceof PeerLinkError) return error.code !== 'io';
  if (error instanceof ExitError) return error.exitCode === ExitCode.Unreachable;
  return error instanceof ServerUnreachableError || (error instanceof ApiError && [502, 503, 504].includes(error.status));
}

/** The time a side keeps reconnecting after one interruption, and the backoff between tries. */
export class ReconnectWindow {
  private deadline?: number;
  private delayMs = FIRST_DELAY_MS;
  /** Tries since the link was lost, for the user. */
  tries = 0;

  constructor(
    readonly seconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.seconds > 0;
  }

  /** A link was lost (or a try failed): starts the window if it is not running; false once it is over. */
  lost(): boolean {
    if (!this.enabled) return false;
    this.deadline ??= this.now() + this.seconds * 1000;
    this.tries++;
    return this.remainingMs() > 0;
  }

  /** A link carried a HELLO again: the next loss gets a whole window. */
  reset(): void {
    this.deadline = undefined;
    this.delayMs = FIRST_DELAY_MS;
    this.tries = 0;
  }

  remainingMs(): number {
    return this.deadline === undefined ? this.seconds * 1000 : Math.max(0, this.deadline - this.now());
  }

  /** Waits the next backoff (never past the window's end; at once when `signal` aborts). */
  async backoff(signal?: AbortSignal): Promise<void> {
    const ms = Math.min(this.delayMs, this.remainingMs());
    this.delayMs = Math.min(this.delayMs * 2, MAX_DELAY_MS);
    await delay(ms, undefined, { signal }).catch(() => undefined); // an abort ends the wait early, not in an error
  }
}

/** "4m 50s", "3s". */
export function formatSeconds(ms: number): string {
  const total = Math.ceil(ms / 1000);
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  if (minutes === 0) return `${seconds}s`;
  return seconds === 0 ? `${minutes}m` : `${minutes}m ${seconds}s`;
}

/** The reason a link was lost, short enough for the progress line and the server. */
export function lossReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, ' ').replace(/\.$/, '').slice(0, 200);
}

/** The window ran out: exit 5, with what happened last. */
export function gaveUp(error: unknown, seconds: number, receiver: boolean): ExitError {
  const kept = receiver ? 'The partial files were removed: nothing was kept.' : 'Nothing was sent to completion.';
  return new ExitError(
    ExitCode.Unreachable,
    `Transfer failed: the connection to the peer was lost and did not come back within ${formatSeconds(seconds * 1000)} (${lossReason(error)}).`,
    `${kept} The session is failed; start a new one when the peer can be reached (a longer --retry-for waits longer).`,
  );
}
