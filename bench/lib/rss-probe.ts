/**
 * Preloaded into measured child processes with `node --require`: at exit, writes the process's
 * peak resident set size (getrusage maxRSS, bytes) to the file named by SFT_BENCH_RSS_OUT.
 * It changes nothing else about the process.
 */
import { writeFileSync } from 'node:fs';

const target = process.env.SFT_BENCH_RSS_OUT;
if (target) {
  process.on('exit', () => {
    try {
      writeFileSync(target, String(process.resourceUsage().maxRSS * 1024));
    } catch {
      // Measuring must never change how the process ends.
    }
  });
}
