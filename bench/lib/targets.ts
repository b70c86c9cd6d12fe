/** The goals from issue 6, checked against a run's results. A MISS is reported, never an error. */
import type { BenchConfig } from './config';
import { num, type Results, type Target } from './results';
import { formatSize } from './stats';

const RSS_LIMIT_MIB = 150;
const FLAT_TOLERANCE = 0.2;

export function checkTargets(config: BenchConfig, results: Results): Target[] {
  const size = formatSize(config.transferSize);
  const sft = results.find('transfer', `sft ${size}`);
  const ratio = results.find('transfer', `sft / raw TLS ${size}`);
  const scp = results.find('scp', `scp ${size}`);
  const firstByte = results.find('transfer', 'join → first byte');
  const sessions = results.find('server', 'SQLite sessions created+joined');
  const targets: Target[] = [
    atLeast('sft vs raw TLS ceiling', '>= 70% of raw TLS', ratio?.median, 70, '%'),
    scp && sft
      ? verdict('sft faster than scp', 'sft MiB/s > scp MiB/s', `${num(sft.median)} vs ${num(scp.median)} MiB/s`, sft.median > scp.median)
      : skipped('sft faster than scp', 'sft MiB/s > scp MiB/s'),
    ...memoryTargets(config, results),
    firstByte ? verdict('join to first byte', '< 1 s', `${num(firstByte.median)} s`, firstByte.median < 1) : skipped('join to first byte', '< 1 s'),
    atLeast('session create+join on SQLite', '>= 500/s', sessions?.median, 500, '/s'),
  ];
  return targets;
}

function memoryTargets(config: BenchConfig, results: Results): Target[] {
  const targets: Target[] = [];
  for (const side of ['sender', 'receiver']) {
    const peaks = config.memorySizes
      .map((s) => ({ size: formatSize(s), summary: results.find('memory', `sft ${side} peak RSS ${formatSize(s)}`) }))
      .filter((p) => p.summary !== null);
    const goal = `< ${RSS_LIMIT_MIB} MiB at every size`;
    if (peaks.length === 0) {
      targets.push(skipped(`${side} peak RSS`, goal), skipped(`${side} memory flat`, 'same peak within 20%'));
      continue;
    }
    const worst = Math.max(...peaks.map((p) => p.summary!.max));
    const shown = peaks.map((p) => `${p.size}: ${num(p.summary!.max)}`).join(', ');
    targets.push(verdict(`${side} peak RSS`, goal, `max ${shown} MiB`, worst < RSS_LIMIT_MIB));
    const medians = peaks.map((p) => p.summary!.median);
    const spread = Math.max(...medians) / Math.min(...medians) - 1;
    const flatGoal = `peaks within ${FLAT_TOLERANCE * 100}% across sizes`;
    if (peaks.length < 2) targets.push(skipped(`${side} memory flat`, flatGoal));
    else targets.push(verdict(`${side} memory flat`, flatGoal, `largest/smallest median peak = +${num(spread * 100)}%`, spread <= FLAT_TOLERANCE));
  }
  return targets;
}

function atLeast(name: string, goal: string, value: number | undefined, limit: number, unit: string): Target {
  return value === undefined ? skipped(name, goal) : verdict(name, goal, `${num(value)}${unit}`, value >= limit);
}

function verdict(name: string, goal: string, actual: string, pass: boolean): Target {
  return { name, goal, actual, verdict: pass ? 'PASS' : 'MISS' };
}

function skipped(name: string, goal: string): Target {
  return { name, goal, actual: 'not measured', verdict: 'SKIP' };
}
