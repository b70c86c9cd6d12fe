/** What one side of a transfer prints: progress while it runs, then the verified outcome. */
import type { Role } from '../crypto/handshake';
import { formatBytes } from '../report/format';
import type { Progress, Reporter } from '../report/reporter';
import { escapeForTerminal } from '../text/terminal';
import { displayName } from '../transfer/names';
import type { TransferEvents, TransferSummary } from '../transfer/types';

/** What the session runner hears of one link besides the progress: the HELLOs done, file bytes moved. */
export interface LinkHooks {
  onHello?: () => void;
  moved?: { bytes: number };
}

/** Transfer events → one progress bar over the whole transfer plus a line per finished file. */
export function progressEvents(reporter: Reporter, role: Role, peer: string, hooks: LinkHooks = {}): { events: TransferEvents; finish(): void } {
  const verb = role === 'sender' ? 'sent' : 'received';
  let progress: Progress | undefined;
  const events: TransferEvents = {
    onHandshake: ({ verificationPhrase }) => {
      reporter.step('handshake', { phrase: verificationPhrase }, `Connected. Verification phrase: ${verificationPhrase}`);
      hooks.onHello?.();
    },
    onPeerConfirming: () =>
      reporter.step('peer-confirming', { peer }, `Waiting for ${peer} to confirm that they see the same verification phrase`),
    onManifest: (files) => {
      const total = files.reduce((sum, file) => sum + file.size, 0);
      // Every true name (escaped for the terminal) and the total, before any byte is written.
      reporter.step('manifest', { files: files.length, bytes: total, names: files.map((f) => f.name) }, [
        `${files.length} file(s), ${formatBytes(total)} to be ${verb}:`,
        ...files.map((file) => `  ${displayName(file.name)}  ${formatBytes(file.size)}`),
      ]);
      progress = reporter.progress(verb === 'sent' ? 'sending' : 'receiving', total);
    },
    onProgress: (done) => progress?.update(done),
    onChunk: (bytes) => {
      if (hooks.moved) hooks.moved.bytes += bytes;
    },
    onFileDone: (file) => reporter.step('file-done', { name: file.name, size: file.size }, `${verb} ${displayName(file.name)}`),
    onNote: (message) => reporter.warn(message),
  };
  return { events, finish: () => progress?.finish() };
}

/** The verification phrase and every verified file with its digests. */
export function printOutcome(reporter: Reporter, role: Role, outcome: TransferSummary): void {
  reporter.result('verification', { phrase: outcome.verificationPhrase }, `Verification phrase: ${outcome.verificationPhrase}`);
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
