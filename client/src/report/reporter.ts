/**
 * The one way sft commands talk to the user.
 * - `tty`: human lines; progress is a bar with rate and ETA on stderr, redrawn in place.
 * - `plain`: human lines; a line per step and per finished file, no redrawing.
 * - `json`: one JSON object per line on stdout (`{"event":"session","id":...}`), nothing else on stdout;
 *   control, bidi and format characters in it are written as \u escapes.
 * Results (what a script wants) go to stdout; steps, progress and warnings go to stderr.
 * Secret-looking fields are redacted from JSON events.
 */
import { escapeForTerminal, escapeJsonForTerminal } from '../text/terminal';
import { formatBytes, formatProgressLine } from './format';
import { redactSecrets } from './redact';

export type ReporterMode = 'tty' | 'plain' | 'json';

export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export type EventData = Record<string, unknown>;

/** Tracks one transfer's progress. */
export interface Progress {
  /** Sets how many bytes are done so far. */
  update(doneBytes: number): void;
  /** Marks the end; prints the final line. */
  finish(): void;
}

export interface ReporterOptions {
  mode: ReporterMode;
  stdout: OutputStream;
  stderr: OutputStream;
  /** Prefix for human lines, e.g. `[alice] ` in `sft demo`. */
  prefix?: string;
  /** Clock in milliseconds; injectable for tests. */
  now?: () => number;
  /** Fields added to every JSON event, e.g. `{ actor: 'alice' }` in `sft demo`. */
  context?: EventData;
  /** Called with every result and step event (lets `sft demo` learn the session id in-process). */
  listener?: (event: string, data: EventData) => void;
}

const REDRAW_INTERVAL_MS = 100;

export class Reporter {
  readonly mode: ReporterMode;
  private readonly stdout: OutputStream;
  private readonly stderr: OutputStream;
  private readonly prefix: string;
  private readonly now: () => number;
  private readonly context: EventData;
  private readonly listener?: (event: string, data: EventData) => void;
  /** Whether a tty progress bar is drawn on the current line (without a newline yet). */
  private progressShown = false;

  constructor(options: ReporterOptions) {
    this.context = options.context ?? {};
    this.listener = options.listener;
    this.mode = options.mode;
    this.stdout = options.stdout;
    this.stderr = options.stderr;
    this.prefix = options.prefix ?? '';
    this.now = options.now ?? Date.now;
  }

  /** Picks json when asked, else tty when stderr is a terminal, else plain. */
  static create(json: boolean, stdout: OutputStream, stderr: OutputStream, prefix?: string): Reporter {
    const mode: ReporterMode = json ? 'json' : stderr.isTTY ? 'tty' : 'plain';
    return new Reporter({ mode, stdout, stderr, prefix });
  }

  /** A result for scripts: JSON event, or `text` lines on stdout. */
  result(event: string, data: EventData, text: string | string[]): void {
    this.listener?.(event, data);
    if (this.mode === 'json') return this.json(event, data);
    for (const line of lines(text)) this.stdout.write(`${this.prefix}${escapeForTerminal(line)}\n`);
  }

  /** A step of the work: JSON event, or `text` lines on stderr. */
  step(event: string, data: EventData, text: string | string[]): void {
    this.listener?.(event, data);
    if (this.mode === 'json') return this.json(event, data);
    this.clearProgressLine();
    for (const line of lines(text)) this.stderr.write(`${this.prefix}${escapeForTerminal(line)}\n`);
  }

  /** A warning, always on stderr (and as an event in JSON mode). */
  warn(text: string): void {
    if (this.mode === 'json') this.json('warning', { message: text });
    this.clearProgressLine();
    this.stderr.write(`${this.prefix}warning: ${escapeForTerminal(text)}\n`);
  }

  /** Wipes a half-drawn progress bar so the next line starts clean; the next update redraws it. */
  private clearProgressLine(): void {
    if (!this.progressShown) return;
    this.stderr.write('\r\x1b[K');
    this.progressShown = false;
  }

  /** Starts progress for `total` bytes under `label`. */
  progress(label: string, total: number): Progress {
    const started = this.now();
    let lastDraw = Number.NEGATIVE_INFINITY;
    let done = 0;
    const elapsed = () => (this.now() - started) / 1000;
    return {
      update: (doneBytes) => {
        done = doneBytes;
        if (this.mode !== 'tty') return;
        const now = this.now();
        if (now - lastDraw < REDRAW_INTERVAL_MS) return;
        lastDraw = now;
        this.stderr.write(`\r\x1b[K${this.prefix}${formatProgressLine(label, done, total, elapsed())}`);
        this.progressShown = true;
      },
      finish: () => {
        if (this.mode === 'json') return this.json('progress', { label, bytes: done, total });
        if (this.mode === 'tty') {
          this.stderr.write(`\r\x1b[K${this.prefix}${formatProgressLine(label, done, total, elapsed())}\n`);
          this.progressShown = false;
          return;
        }
        this.stderr.write(`${this.prefix}${label}: ${formatBytes(done)} in ${elapsed().toFixed(1)} s\n`);
      },
    };
  }

  private json(event: string, data: EventData): void {
    // Same JSON value, but controls, bidi and format characters as \u escapes: people pipe this into terminals.
    this.stdout.write(`${escapeJsonForTerminal(JSON.stringify({ event, ...this.context, ...redactSecrets(data) }))}\n`);
  }
}

function lines(text: string | string[]): string[] {
  return Array.isArray(text) ? text : [text];
}
