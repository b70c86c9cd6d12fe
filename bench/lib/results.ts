/** The result rows of a bench run, the stdout table, and the targets' PASS/MISS lines. */
import { summarize, type Summary } from './stats';

export interface Row {
  section: string;
  name: string;
  unit: string;
  /** Null when the measurement was skipped or failed. */
  summary: Summary | null;
  /** Why it was not measured (not an error: a missing tool, too little disk, …). */
  skipped?: string;
  /** Why the measurement failed: makes the bench exit non-zero. */
  error?: string;
  /** Free-form detail shown after the numbers (e.g. the method). */
  note?: string;
}

export interface Target {
  name: string;
  /** The goal as text, e.g. `>= 70% of raw TLS`. */
  goal: string;
  /** The measured value as text. */
  actual: string;
  /** PASS, MISS, or SKIP when the inputs were not measured. */
  verdict: 'PASS' | 'MISS' | 'SKIP';
}

/** Collects rows as the suites run. */
export class Results {
  readonly rows: Row[] = [];

  add(section: string, name: string, unit: string, values: number[], note?: string): Row {
    const row: Row = { section, name, unit, summary: summarize(values), ...(note ? { note } : {}) };
    this.rows.push(row);
    return row;
  }

  skip(section: string, name: string, reason: string): void {
    this.rows.push({ section, name, unit: '', summary: null, skipped: reason });
  }

  fail(section: string, name: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.rows.push({ section, name, unit: '', summary: null, error: message.split('\n')[0] });
  }

  find(section: string, name: string): Summary | null {
    return this.rows.find((r) => r.section === section && r.name === name)?.summary ?? null;
  }

  get failed(): Row[] {
    return this.rows.filter((r) => r.error !== undefined);
  }
}

/** The results as an aligned text table, grouped by section in `sectionOrder` (others last), run order within a section. */
export function formatTable(unordered: Row[], sectionOrder: readonly string[] = []): string {
  const rank = (r: Row) => (sectionOrder.includes(r.section) ? sectionOrder.indexOf(r.section) : sectionOrder.length);
  const rows = [...unordered].sort((a, b) => rank(a) - rank(b));
  const header = ['section', 'measurement', 'median', 'min', 'max', 'runs', 'unit'];
  const body = rows.map((r) =>
    r.summary
      ? [r.section, r.name, num(r.summary.median), num(r.summary.min), num(r.summary.max), String(r.summary.runs), r.unit + (r.note ? `  (${r.note})` : '')]
      : [r.section, r.name, r.error ? 'ERROR' : 'SKIPPED', '', '', '', r.error ?? r.skipped ?? ''],
  );
  return alignColumns([header, ...body]);
}

export function formatTargets(targets: Target[]): string {
  return alignColumns([['verdict', 'target', 'goal', 'measured'], ...targets.map((t) => [t.verdict, t.name, t.goal, t.actual])]);
}

function alignColumns(table: string[][]): string {
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => (i === row.length - 1 ? 0 : row[i].length))));
  return table.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}

/** Three significant digits, no exponent. */
export function num(value: number): string {
  if (value === 0) return '0';
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))));
  return value.toFixed(Math.min(digits, 3));
}
