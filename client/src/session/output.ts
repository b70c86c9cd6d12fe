/** What one side of a transfer prints: progress while it runs, then the verified outcome. */
import type { Role } from '../crypto/handshake';
import { formatBytes } from '../report/format';
import type { Progress, Reporter } from '../report/reporter';
import { escapeForTerminal } from '../text/terminal';
import { displayName } from '../transfer/names';
import type { TransferEvents, TransferSummary } from '../transfer/types';

/** What the session runner hears of one link besides the progress, and what it knows of the run around it. */
export interface LinkHooks {
  onHello?: () => void;
  moved?: { bytes: number };
  /** Sender: the TRAILER signing this summary went to the link (see result-lost.ts). */
  onTrailer?: (summary: TransferSummary) => void;
  /** This link continues the transfer of an earlier one (a reconnect, or the first link of a rerun). */
  resumed?: boolean;
  /** `--verify` / `--verify-phrase`: the phrase of every link is shown, a later link's too. */
  verify?: boolean;
  /** Shared by every link of one run: the file listing and (without `--verify`) the phrase are printed once. */
  shown?: RunShown;
}

/** What one run (one process, however many links) has printed already. */
export interface RunShown {
  listing: boolean;
  phrase: boolean;
}

/**
 * Transfer events → one progress bar over the whole transfer plus a line per finished file. Over several links
 * (issue 14) a run prints the file listing and the phrase once; a resumed link (a reconnect, or a rerun's first)
 * says how much was already there, and a later link shows its own phrase (a new one: every link runs its own
 * key exchange) only with `--verify`.
 */
export function progressEvents(reporter: Reporter, role: Role, peer: string, hooks: LinkHooks = {}): { events: TransferEvents; finish(): void } {
  const verb = role === 'sender' ? 'sent' : 'received';
  const shown = hooks.shown ?? { listing: false, phrase: false };
  let progress: Progress | undefined;
  const events: TransferEvents = {
    onHandshake: ({ verificationPhrase }) => {
      if (!shown.phrase) {
        shown.phrase = true;
        reporter.step('handshake', { phrase: verificationPhrase }, `Connected. Verification phrase: ${verificationPhrase}`);
      } else if (hooks.verify) {
        reporter.step(
          'handshake',
          { phrase: verificationPhrase, resumed: true },
          `Connected again. Verification phrase of this link: ${verificationPhrase} (a new one: every link has its own key exchange)`,
        );
      }
      hooks.onHello?.();
    },
    onPeerConfirming: () =>
      reporter.step('peer-confirming', { peer }, `Waiting for ${peer} to confirm that they see the same verification phrase`),
    onManifest: (files) => {
      const total = files.reduce((sum, file) => sum + file.size, 0);
      if (!shown.listing) {
        shown.listing = true;
        // Every true name (escaped for the terminal) and the total, before any byte is written.
        reporter.step('manifest', { files: files.length, bytes: total, names: files.map((f) => f.name) }, [
          `${files.length} file(s), ${formatBytes(total)} to be ${verb}:`,
          ...files.map((file) => `  ${displayName(file.name)}  ${formatBytes(file.size)}`),
        ]);
      }
      progress = reporter.progress(verb === 'sent' ? 'sending' : 'receiving', total);
    },
    onResume: ({ resumedBytes, bytes }) => {
      if (hooks.resumed || resumedBytes > 0) reporter.step('resumed', { resumedBytes, bytes }, resumedLine(role, resumedBytes, bytes));
    },
    onTrailer: (summary) => hooks.onTrailer?.(summary),
    onProgress: (done) => progress?.update(done),
    onChunk: (bytes) => {
      if (hooks.moved) hooks.moved.bytes += bytes;
    },
    onFileDone: (file) => reporter.step('file-done', { name: file.name, size: file.size }, `${verb} ${displayName(file.name)}`),
    onNote: (message) => reporter.warn(message),
  };
  return { events, finish: () => progress?.finish() };
}

/** `Resumed: 412.0 MiB of 1.0 GiB already there; sending the rest`. */
export function resumedLine(role: Role, resumedBytes: number, bytes: number): string {
  const rest = role === 'sender' ? 'sending' : 'receiving';
  if (resumedBytes === 0) return `Resumed: nothing of ${formatBytes(bytes)} was kept; ${rest} all of it again`;
  if (resumedBytes >= bytes) return `Resumed: all ${formatBytes(bytes)} already there; only the checks are left`;
  return `Resumed: ${formatBytes(resumedBytes)} of ${formatBytes(bytes)} already there; ${rest} the rest`;
}

/** The verification phrase (of the last link, when there were several) and every verified file with its digests. */
export function printOutcome(reporter: Reporter, role: Role, outcome: TransferSummary, links = 1): void {
  const phrase = outcome.verificationPhrase;
  if (links > 1) reporter.result('verification', { phrase, links }, `Verification phrase of the last link: ${phrase} (each of the ${links} links had its own)`);
  else reporter.result('verification', { phrase }, `Verification phrase: ${phrase}`);
  for (const file of outcome.files) {
    // Names come from the peer: quoted and escaped like the manifest listing (look-alikes included).
    const where = file.savedAs ? ` -> ${escapeForTerminal(file.savedAs, true)}` : '';
    reporter.result(
      'file',
      { name: file.name, size: file.size, crc32: file.crc32, sha256: file.sha256, savedAs: file.savedAs ?? null },
      `${role === 'sender' ? 'sent' : 'received'} ${displayName(file.name)}${where}  ${formatBytes(file.size)}  crc32 ${file.crc32}  sha256 ${file.sha256}`,
    );
  }
}
