/** The goals from issue 15 (which tightened issue 6's), checked against a run's results. A MISS is reported, never an error. */
import type { BenchConfig } from './config';
import { num, type Results, type Target } from './results';
import { formatSize } from './stats';

const RSS_LIMIT_MIB = 120;
const FLAT_TOLERANCE = 0.2;
const CPU_LIMIT_S_PER_GIB = 4;

export function checkTargets(config: BenchConfig, results: Results): Target[] {
  const size = formatSize(config.transferSize);
  const vsTls = results.find('transfer', `sft / tuned TLS ${size}`);
  const vsScp = results.find('scp', `sft / scp aes256-gcm ${size}`);
  const relay = results.find('transfer', `relay / direct ${size}`);
  const firstByte = results.find('transfer', 'join → first byte');
  const files = results.find('files', `sft ${config.smallFiles.count} × ${formatSize(config.smallFiles.size)} files`);
  const sqlite = results.find('server', 'SQLite sessions created+joined');
  const mysql = results.find('server', 'MySQL sessions created+joined');
  return [
    atLeast('sft vs scp aes256-gcm', '>= 1.0× scp -c aes256-gcm (same run)', vsScp?.median, 1, '×'),
    atLeast('sft vs tuned TLS ceiling', '>= 0.7× the tuned TLS copy (same run)', vsTls?.median, 0.7, '×'),
    atLeast('relay vs direct', '>= 0.8× sft direct (same run, issue 12)', relay?.median, 0.8, '×'),
    ...(['sender', 'receiver'] as const).map((side) => {
      const cpu = results.find('cost', `sft ${size}: ${side} CPU`);
      const goal = `<= ${CPU_LIMIT_S_PER_GIB} CPU s/GiB`;
      return cpu ? verdict(`${side} CPU per GiB`, goal, `${num(cpu.median)} s/GiB`, cpu.median <= CPU_LIMIT_S_PER_GIB) : skipped(`${side} CPU per GiB`, goal);
    }),
    ...memoryTargets(config, results),
    firstByte ? verdict('join to first byte', '< 0.5 s', `${num(firstByte.median)} s`, firstByte.median < 0.5) : skipped('join to first byte', '< 0.5 s'),
    atLeast('many small files', '>= 1000 files/s', files?.median, 1000, ' files/s'),
    atLeast('session create+join on SQLite', '>= 1000/s', sqlite?.median, 1000, '/s'),
    atLeast('session create+join on MySQL', '>= 700/s', mysql?.median, 700, '/s'),
  ];
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
