/** Progress lines on stderr, stamped with seconds since the bench started (stdout keeps the table). */
import { performance } from 'node:perf_hooks';

const started = performance.now();

export function log(line: string): void {
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
}
