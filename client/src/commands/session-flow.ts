/** Steps shared by host-session and join: endpoint choice, cancellation, reporting the outcome. */
import * as os from 'node:os';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { formatFingerprint, fingerprintOfPem } from '../../../certs/src/x509';
import type { ApiClient } from '../api/api-client';
import type { FileDigest, ReportBody, SessionView } from '../api/types';
import { ExitCode, ExitError } from '../errors';
import { formatBytes } from '../report/format';
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

/** Reports a finished transfer and prints the verification phrase and the verified digests. */
export async function reportSuccess(deps: Deps, api: ApiClient, sessionId: string, role: ReportBody['role'], outcome: TransferOutcome): Promise<SessionView> {
  const files = outcome.files.map(({ name, size, crc32, sha256 }) => ({ name, size, crc32, sha256 }));
  const session = await api.report(sessionId, { role, bytes: outcome.bytes, files, verified: true });
  deps.reporter.result('verification', { phrase: outcome.verificationPhrase }, `Verification phrase: ${outcome.verificationPhrase}`);
  for (const file of outcome.files) {
    const where = file.savedAs ? ` -> ${file.savedAs}` : '';
    deps.reporter.result(
      'file',
      { name: file.name, size: file.size, crc32: file.crc32, sha256: file.sha256, savedAs: file.savedAs ?? null },
      `${role === 'sender' ? 'sent' : 'received'} ${file.name}${where}  ${formatBytes(file.size)}  crc32 ${file.crc32}  sha256 ${file.sha256}`,
    );
  }
  deps.reporter.result(
    'done',
    { id: sessionId, role, bytes: outcome.bytes, files: outcome.files.length, state: session.state },
    `${role === 'sender' ? 'Sent' : 'Received and verified'} ${outcome.files.length} file(s), ${formatBytes(outcome.bytes)}. ${stateNote(session)}`,
  );
  return session;
}

export function describePeerKey(peer: string, fingerprint: string): string {
  return `${peer}'s identity key ${formatFingerprint(fingerprint)}`;
}

function stateNote(session: SessionView): string {
  return session.state === 'joined' ? 'The server awaits the other side\'s report.' : `Session ${session.state}.`;
}
