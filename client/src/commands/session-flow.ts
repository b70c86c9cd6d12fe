/** Steps shared by host-session and join: endpoint choice, cancellation, reporting the outcome. */
import * as os from 'node:os';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { formatFingerprint, fingerprintOfPem } from '../../../certs/src/x509';
import type { ApiClient } from '../api/api-client';
import { ApiError, ServerUnreachableError } from '../api/api-error';
import type { FileDigest, ReportBody, SessionView } from '../api/types';
import { ExitCode, ExitError } from '../errors';
import { formatBytes } from '../report/format';
import { escapeForTerminal } from '../text/terminal';
import { displayName } from '../transfer/names';
import type { Deps } from './deps';

/** What a finished send or receive tells us. */
export interface TransferOutcome {
  bytes: number;
  files: (FileDigest & { savedAs?: string })[];
  verificationPhrase: string;
}

/** Races `work` against Ctrl-C: on abort, runs `onAbort` (best effort) and throws exit 6. */
export async function abortable<T>(signal: AbortSignal | undefined, work: Promise<T>, onAbort: () => Promise<unknown>): Promise<T> {
  if (!signal) return work;
  let listener: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    listener = () => {
      void onAbort()
        .catch(() => undefined)
        .then(() => reject(new ExitError(ExitCode.Closed, 'Cancelled (Ctrl-C); the session was cancelled on the server.')));
    };
    if (signal.aborted) listener();
    else signal.addEventListener('abort', listener, { once: true });
  });
  aborted.catch(() => undefined);
  // Once Ctrl-C was pressed, the work failing (we drop its connection) is part of cancelling: report exit 6.
  const guarded = work.catch((error: unknown) => (signal.aborted ? aborted : Promise.reject(error)));
  try {
    return await Promise.race([guarded, aborted]);
  } finally {
    if (listener) signal.removeEventListener('abort', listener);
  }
}

/** The address the peer should dial when --advertise is not given. */
export function defaultAdvertiseHost(listenHost: string, serverUrl: string): string {
  if (listenHost !== '0.0.0.0' && listenHost !== '::') return listenHost;
  const serverHost = new URL(serverUrl).hostname.replace(/^\[|\]$/g, '');
  if (isLoopback(serverHost)) return '127.0.0.1';
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return '127.0.0.1';
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

export interface SessionWatch {
  /** Never resolves; rejects with exit 6 as soon as the server says the session closed. */
  closed: Promise<never>;
  stop(): void;
}

/**
 * Watches a joined session in the background (long-polls), so a peer that gives up or fails
 * ends our side at once instead of after a network timeout. Server hiccups just stop the watch.
 */
export function watchSession(api: ApiClient, id: string): SessionWatch {
  const controller = new AbortController();
  const closed = new Promise<never>((_, reject) => {
    void (async () => {
      while (!controller.signal.aborted) {
        const session = await api.waitSession(id, 'joined', 25, controller.signal).catch(() => undefined);
        if (!session || controller.signal.aborted) return;
        if (session.state !== 'joined') return reject(closedError(session));
      }
    })();
  });
  closed.catch(() => undefined);
  return { closed, stop: () => controller.abort() };
}

/** Upper bound on waiting for a stopped transfer to remove its temporary files. */
const STOP_GRACE_MS = 3_000;

/** The transfer in flight, so Ctrl-C or a closed session can stop it and let it clean up. */
export class ActiveTransfer {
  socket?: Duplex;
  work?: Promise<unknown>;

  /** Drops the connection and waits (a little) for the transfer to discard its temporary files. */
  async stop(): Promise<void> {
    this.socket?.destroy();
    if (!this.work) return;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, STOP_GRACE_MS);
      timer.unref();
    });
    await Promise.race([this.work.catch(() => undefined), grace]);
    clearTimeout(timer);
  }
}

/** Runs `work` while watching the session; if the session closes first, runs `onClosed` and throws exit 6. */
export async function whileSessionOpen<T>(api: ApiClient, id: string, work: Promise<T>, onClosed: () => Promise<void>): Promise<T> {
  const watch = watchSession(api, id);
  work.catch(() => undefined);
  let closedFirst = false;
  try {
    return await Promise.race([work, watch.closed.catch((error: unknown) => { closedFirst = true; throw error; })]);
  } finally {
    watch.stop();
    if (closedFirst) await onClosed();
  }
}

/** Throws exit 6 when the session is closed (expired, cancelled, failed, completed). */
export function assertOpen(session: SessionView): void {
  if (session.state === 'waiting' || session.state === 'joined') return;
  throw closedError(session);
}

function closedError(session: SessionView): ExitError {
  const why = session.reason ? ` (${session.reason})` : '';
  return new ExitError(ExitCode.Closed, `Session ${session.id} is ${session.state}${why}.`, 'Start a new session with `sft host-session`.');
}

/** Checks that a certificate from the session view matches the fingerprint the server recorded. */
export function checkCertificate(certificatePem: string | null, fingerprint: string | null, who: string): { certificatePem: string; fingerprint: string } {
  if (!certificatePem || !fingerprint || fingerprintOfPem(certificatePem) !== fingerprint) {
    throw new ExitError(ExitCode.Integrity, `The server gave a certificate for ${who} that does not match its fingerprint.`);
  }
  return { certificatePem, fingerprint };
}

/** Reports a failed transfer (verified:false) on the server; never throws. */
export async function reportFailure(api: ApiClient, sessionId: string, role: ReportBody['role'], error: unknown): Promise<void> {
  const reason = (error instanceof Error ? error.message : String(error)).slice(0, 500);
  await api.report(sessionId, { role, bytes: 0, files: [], verified: false, reason }).catch(() => undefined);
}

/** How long a finished transfer keeps trying to deliver its report while the server is unreachable (env SFT_REPORT_RETRY_SECONDS). */
export const DEFAULT_REPORT_RETRY_SECONDS = 300;
const REPORT_RETRY_MAX_DELAY_MS = 10_000;

/**
 * The transfer itself succeeded, but its report never reached the server. Not a failed transfer:
 * nothing may then report it as failed.
 */
export class ReportNotDelivered extends ExitError {
  constructor(role: ReportBody['role'], cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      ExitCode.Unreachable,
      `${why} The transfer itself was ${role === 'receiver' ? 'received and verified: the files are kept' : 'confirmed by the receiver'}, but the server was not told.`,
      'Without both reports the server closes the session `failed` after its transfer timeout.',
    );
  }
}

/** Prints the verification phrase and the verified digests, then reports the finished transfer to the server. */
export async function reportSuccess(deps: Deps, api: ApiClient, sessionId: string, role: ReportBody['role'], outcome: TransferOutcome): Promise<SessionView> {
  deps.reporter.result('verification', { phrase: outcome.verificationPhrase }, `Verification phrase: ${outcome.verificationPhrase}`);
  for (const file of outcome.files) {
    // Names come from the peer: quoted and escaped like the manifest listing (look-alikes included).
    const where = file.savedAs ? ` -> ${escapeForTerminal(file.savedAs, true)}` : '';
    deps.reporter.result(
      'file',
      { name: file.name, size: file.size, crc32: file.crc32, sha256: file.sha256, savedAs: file.savedAs ?? null },
      `${role === 'sender' ? 'sent' : 'received'} ${displayName(file.name)}${where}  ${formatBytes(file.size)}  crc32 ${file.crc32}  sha256 ${file.sha256}`,
    );
  }
  const files = outcome.files.map(({ name, size, crc32, sha256 }) => ({ name, size, crc32, sha256 }));
  const session = await deliverReport(deps, api, sessionId, { role, bytes: outcome.bytes, files, verified: true });
  deps.reporter.result(
    'done',
    { id: sessionId, role, bytes: outcome.bytes, files: outcome.files.length, state: session.state },
    `${role === 'sender' ? 'Sent' : 'Received and verified'} ${outcome.files.length} file(s), ${formatBytes(outcome.bytes)}. ${stateNote(session)}`,
  );
  return session;
}

/**
 * Sends a success report, retrying with backoff while the server is unreachable or its database is
 * down (a restart, a network blip): the peer link does not need the server, so a transfer can end
 * while it is away, and its report must still arrive when it is back.
 */
async function deliverReport(deps: Deps, api: ApiClient, sessionId: string, body: ReportBody): Promise<SessionView> {
  const retrySeconds = reportRetrySeconds(deps.env);
  const deadline = Date.now() + retrySeconds * 1000;
  let delayMs = 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await api.report(sessionId, body);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'session_closed') throw closedAfterTransfer(body.role, sessionId, error.state);
      if (!isTransient(error) || Date.now() + delayMs > deadline) throw new ReportNotDelivered(body.role, error);
      if (attempt === 1) {
        deps.reporter.step(
          'report-retry',
          { id: sessionId, seconds: retrySeconds },
          `The sft server did not answer (${(error as Error).message}). Retrying the report for up to ${retrySeconds} s...`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, REPORT_RETRY_MAX_DELAY_MS);
    }
  }
}

/** The transfer finished and was verified, but the other side closed (e.g. cancelled) the session on the server first: exit 6. */
function closedAfterTransfer(role: ReportBody['role'], sessionId: string, state = 'closed'): ExitError {
  const done = role === 'receiver' ? 'The files were received and verified: they are kept' : 'The receiver confirmed the files';
  const who = state === 'cancelled' ? 'the other side cancelled it on the server' : `it is ${state} on the server`;
  return new ExitError(ExitCode.Closed, `${done}. But session ${sessionId} was closed before our report arrived: ${who}.`, 'The server does not record this transfer as completed.');
}

function isTransient(error: unknown): boolean {
  return error instanceof ServerUnreachableError || (error instanceof ApiError && [502, 503, 504].includes(error.status));
}

function reportRetrySeconds(env: NodeJS.ProcessEnv): number {
  const raw = env.SFT_REPORT_RETRY_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_REPORT_RETRY_SECONDS;
  if (!/^\d+$/.test(raw)) throw new ExitError(ExitCode.Usage, `SFT_REPORT_RETRY_SECONDS must be a whole number of seconds, not "${raw}".`);
  return Number(raw);
}

export function describePeerKey(peer: string, fingerprint: string): string {
  return `${peer}'s identity key ${formatFingerprint(fingerprint)}`;
}

function stateNote(session: SessionView): string {
  return session.state === 'joined' ? 'The server awaits the other side\'s report.' : `Session ${session.state}.`;
}
