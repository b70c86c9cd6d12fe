/**
 * Preloaded into measured child processes with `node --require`: at exit, writes the process's
 * peak resident set size (getrusage maxRSS, bytes) and the CPU seconds it used (user + system) as
 * JSON `{"maxRss": …, "cpuSeconds": …}` to the file named by SFT_BENCH_RSS_OUT.
 * It changes nothing else about the process.
 */
import { writeFileSync } from 'node:fs';

const target = process.env.SFT_BENCH_RSS_OUT;
if (target) {
  process.on('exit', () => {
    try {
      const usage = process.resourceUsage();
      const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
      writeFileSync(target, JSON.stringify({ maxRss: usage.maxRSS * 1024, cpuSeconds }));
    } catch {
      // Measuring must never change how the process ends.
    }
  });
}
