/** Pure formatting helpers for human output: sizes, rates, durations, tables. */
import { escapeForTerminal } from '../text/terminal';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `1536` → `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** Seconds as `1:05` or `1:02:05`; `--:--` when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mmss = `${String(m).padStart(h > 0 ? 2 : 1, '0')}:${String(s).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

/** One progress line: `[#####-----]  50%  5.0 MiB/10.0 MiB  2.0 MiB/s  ETA 0:03  name`. */
export function formatProgressLine(label: string, done: number, total: number, elapsedSeconds: number, width = 24): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(fraction * width);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
  const eta = rate > 0 ? (total - done) / rate : Number.NaN;
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `${bar} ${percent}  ${formatBytes(done)}/${formatBytes(total)}  ${formatBytes(Math.round(rate))}/s  ETA ${formatDuration(eta)}  ${label}`;
}

/** Left-aligned columns with a header row. */
export function formatTable(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/**
 * File names someone else chose, for one table cell: each quoted with control, formatting and look-alike
 * characters shown as \uXXXX escapes, at most `shown` of them and a count of the rest.
 */
export function formatPeerNames(names: string[], shown = 3): string {
  const quoted = names.slice(0, shown).map((name) => `"${escapeForTerminal(name, true)}"`);
  const more = names.length - quoted.length;
  return more > 0 ? `${quoted.join(', ')} (+${more} more)` : quoted.join(', ');
}
