/**
 * Telling the server how our side ended: a verified transfer (retried while the server is away,
 * since the peer link does not need it) or a failure (best effort).
 */
import type { ApiClient } from '../api/api-client';
import { ApiError, ServerUnreachableError } from '../api/api-error';
import type { ReportBody, SessionView } from '../api/types';
import type { Deps } from '../commands/deps';
import type { Role } from '../crypto/handshake';
import { ExitCode, ExitError } from '../errors';
import { formatBytes } from '../report/format';
import type { TransferSummary } from '../transfer/types';
import type { LinkPath } from './connector';
import { printOutcome } from './output';

/** The path a report names: direct or relay. */
type LinkPathKind = LinkPath['via'];

/** How long a finished transfer keeps trying to deliver its report while the server is unreachable (env SFT_REPORT_RETRY_SECONDS). */
export const DEFAULT_REPORT_RETRY_SECONDS = 300;
const REPORT_RETRY_MAX_DELAY_MS = 10_000;

/** Reports a failed transfer (verified:false) on the server, with the file bytes moved over every link; never throws. */
export async function reportFailure(api: ApiClient, sessionId: string, role: Role, error: unknown, path?: LinkPathKind, linkBytes?: number): Promise<void> {
  const reason = (error instanceof Error ? error.message : String(error)).slice(0, 500);
  await api.report(sessionId, { role, bytes: 0, files: [], verified: false, reason, path, linkBytes }).catch(() => undefined);
}

/**
 * The transfer itself succeeded, but its report never reached the server. Not a failed transfer:
 * nothing may then report it as failed.
 */
export class ReportNotDelivered extends ExitError {
  constructor(role: Role, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      ExitCode.Unreachable,
      `${why} The transfer itself was ${role === 'receiver' ? 'received and verified: the files are kept' : 'confirmed by the receiver'}, but the server was not told.`,
      'Without both reports the server closes the session `failed` after its transfer timeout.',
    );
  }
}

/** How the transfer went over its links, for the report and the printed outcome. */
export interface LinksUsed {
  /** The path of the last link. */
  path?: LinkPathKind;
  /** The file bytes this side moved over every link of the session (resume: fewer than twice the files, however often the link dropped). */
  linkBytes?: number;
  /** How many links carried a HELLO exchange (each has its own verification phrase). */
  links?: number;
}

/** Prints the verification phrase and the verified digests, then reports the finished transfer to the server. */
export async function reportSuccess(
  deps: Deps, api: ApiClient, sessionId: string, role: Role, outcome: TransferSummary, used: LinksUsed = {},
): Promise<SessionView> {
  const { path, linkBytes = outcome.linkBytes } = used;
  printOutcome(deps.reporter, role, outcome, used.links);
  const files = outcome.files.map(({ name, size, crc32, sha256 }) => ({ name, size, crc32, sha256 }));
  const session = await deliverReport(deps, api, sessionId, { role, bytes: outcome.bytes, files, verified: true, path, linkBytes });
  deps.reporter.result(
    'done',
    { id: sessionId, role, bytes: outcome.bytes, linkBytes, files: outcome.files.length, state: session.state },
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

function stateNote(session: SessionView): string {
  return session.state === 'joined' ? 'The server awaits the other side\'s report.' : `Session ${session.state}.`;
}
