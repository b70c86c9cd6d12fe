/**
 * `npm run bench -- [--quick] [--only=transfer,files,memory,server,scp]`
 * Runs the measurements side by side, prints a table and the targets' PASS/MISS lines, and writes
 * bench/results/<timestamp>.json. Exits 1 when a measurement errors (not when a target is missed), 2 on bad arguments.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { redactUrl } from '../server/src/common/redact-url';
import { parseArgs, USAGE, UsageError, type BenchConfig } from './lib/config';
import { log } from './lib/log';
import { machineInfo } from './lib/machine';
import { REPO_ROOT, RESULTS_DIR } from './lib/paths';
import { formatTable, formatTargets, Results } from './lib/results';
import { checkTargets } from './lib/targets';
import { runServerSection } from './suites/server';
import { runTransferSections } from './suites/transfer';

async function main(argv: string[]): Promise<number> {
  let config: BenchConfig;
  try {
    config = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  const machine = machineInfo(REPO_ROOT);
  const startedAt = new Date();
  log(`sft bench${config.quick ? ' (quick)' : ''}: ${machine.cpus} × ${machine.cpuModel} (${machine.cpuCryptoFlags.join(' ') || 'no crypto flags seen'}), ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB, Node ${machine.node}, commit ${machine.gitCommit ?? 'unknown'}`);

  const results = new Results();
  if (['transfer', 'files', 'memory', 'scp'].some((s) => config.sections.has(s as never))) {
    log('transfer / files / memory / scp');
    await runTransferSections(config, results);
  }
  if (config.sections.has('server')) {
    log('server load');
    await runServerSection(config, results);
  }

  const targets = checkTargets(config, results);
  process.stdout.write(`\n${formatTable(results.rows, ['transfer', 'scp', 'cost', 'files', 'memory', 'server'])}\n\nTargets${config.quick ? ' (quick sizes: indicative only)' : ''}:\n${formatTargets(targets)}\n`);
  const file = writeJson(config, machine, startedAt, results, targets);
  process.stdout.write(`\nResults: ${file}\n`);
  if (results.failed.length > 0) {
    process.stderr.write(`bench: ${results.failed.length} measurement(s) failed:\n${results.failed.map((r) => `  ${r.section} / ${r.name}: ${r.error}`).join('\n')}\n`);
    return 1;
  }
  return 0;
}

function writeJson(config: BenchConfig, machine: ReturnType<typeof machineInfo>, startedAt: Date, results: Results, targets: ReturnType<typeof checkTargets>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  const finishedAt = new Date();
  const { sections, ...settings } = config;
  // The results file is shared: the database URL goes in without its password.
  const report = { startedAt, finishedAt, seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000, machine, config: { ...settings, mysqlUrl: redactUrl(settings.mysqlUrl), sections: [...sections] }, rows: results.rows, targets };
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`bench: ${error.message.split('\n')[0]}\n`);
    process.exit(1);
  },
);
