import { SessionState } from './session-state';
import type { StoredReport } from './session.entity';

export type Outcome = { state: SessionState.Completed | SessionState.Failed; reason: string | null } | null;

/**
 * What the reports so far decide: null while waiting for the other report; `failed` as soon as
 * either side says it could not verify; `completed` only when the receiver verified and its file
 * list (count, order, names, sizes, CRC32, SHA-256) equals the sender's.
 */
export function decideOutcome(sender: StoredReport | null, receiver: StoredReport | null): Outcome {
  if (sender && !sender.verified) return failed('sender', sender);
  if (receiver && !receiver.verified) return failed('receiver', receiver);
  if (!sender || !receiver) return null;
  const mismatch = firstMismatch(sender, receiver);
  if (mismatch) return { state: SessionState.Failed, reason: mismatch };
  return { state: SessionState.Completed, reason: null };
}

function failed(role: string, report: StoredReport): Outcome {
  return { state: SessionState.Failed, reason: report.reason ?? `The ${role} reported the transfer as not verified.` };
}

function firstMismatch(sender: StoredReport, receiver: StoredReport): string | null {
  if (sender.files.length !== receiver.files.length) {
    return `The sender reported ${sender.files.length} file(s) but the receiver ${receiver.files.length}.`;
  }
  for (const [i, sent] of sender.files.entries()) {
    const got = receiver.files[i];
    for (const field of ['name', 'size', 'crc32', 'sha256'] as const) {
      if (sent[field] !== got[field]) return `File ${i + 1}: the ${field} reported by sender and receiver differ.`;
    }
  }
  if (sender.bytes !== receiver.bytes) return 'The byte counts reported by sender and receiver differ.';
  return null;
}
