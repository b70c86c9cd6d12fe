/** What a bench run measures: full sizes by default, small ones with --quick. */
import { GiB, MiB } from './stats';

export const SECTIONS = ['transfer', 'files', 'memory', 'server', 'scp'] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchConfig {
  quick: boolean;
  /** Runs per measurement (median and min/max over them). */
  runs: number;
  /** The single big file for transfer throughput (sft vs raw TLS vs scp). */
  transferSize: number;
  smallFiles: { count: number; size: number };
  /** File sizes for the peak-RSS measurement. */
  memorySizes: number[];
  server: { concurrency: number; pairs: number; seconds: number; warmupSeconds: number; logins: number; loginConcurrency: number };
  /** MySQL server for the MySQL load run (a fresh database is made there and dropped). */
  mysqlUrl: string;
  /** Redis for the runs with several servers (keys under a prefix of the run's own, deleted afterwards). */
  redisUrl: string;
  sections: Set<Section>;
}

export function parseArgs(argv: string[]): BenchConfig {
  const quick = argv.includes('--quick');
  const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const sizeMiB = positiveInt(argv, '--size-mib=');
  const runsArg = positiveInt(argv, '--runs=');
  const unknown = argv.filter((a) => a !== '--quick' && !['--only=', '--size-mib=', '--runs='].some((p) => a.startsWith(p)));
  if (unknown.length > 0) throw new UsageError(`unknown argument ${unknown[0]}`);
  const sections = new Set<Section>(only ? (only.split(',') as Section[]) : SECTIONS);
  for (const s of sections) if (!SECTIONS.includes(s)) throw new UsageError(`unknown section ${s} (known: ${SECTIONS.join(', ')})`);
  return {
    quick,
    runs: runsArg ?? (quick ? 1 : 3),
    transferSize: sizeMiB !== undefined ? sizeMiB * MiB : quick ? 32 * MiB : 1 * GiB,
    smallFiles: { count: quick ? 50 : 1000, size: 10 * 1024 },
    memorySizes: quick ? [8 * MiB, 32 * MiB] : [100 * MiB, 1 * GiB, 4 * GiB],
    server: quick
      ? { concurrency: 50, pairs: 2, seconds: 2, warmupSeconds: 0.5, logins: 4, loginConcurrency: 4 }
      : { concurrency: 50, pairs: 10, seconds: 10, warmupSeconds: 2, logins: 24, loginConcurrency: 8 },
    mysqlUrl: process.env.SFT_BENCH_MYSQL_URL || 'mysql://root@127.0.0.1:3306/test',
    redisUrl: process.env.SFT_BENCH_REDIS_URL || 'redis://127.0.0.1:6379',
    sections,
  };
}

/** The value of `--name=N` as a positive integer; undefined when absent. */
function positiveInt(argv: string[], prefix: string): number | undefined {
  const arg = argv.find((a) => a.startsWith(prefix));
  if (arg === undefined) return undefined;
  const value = Number(arg.slice(prefix.length));
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${prefix.slice(0, -1)} needs a positive integer`);
  return value;
}

export class UsageError extends Error {}

export const USAGE = `Usage: npm run bench -- [--quick] [--only=${SECTIONS.join(',')}] [--size-mib=N] [--runs=N]
  --size-mib, --runs: the transfer file size and the runs per measurement (for trying a change; the README table uses the defaults)`;
