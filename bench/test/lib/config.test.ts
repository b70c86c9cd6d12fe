import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../lib/config';
import { GiB, MiB } from '../../lib/stats';

describe(parseArgs.name, () => {
  it('measures the full sizes three times by default', () => {
    const config = parseArgs([]);
    expect([config.runs, config.transferSize, config.memorySizes]).toEqual([3, GiB, [100 * MiB, GiB, 4 * GiB]]);
  });

  it('uses small sizes and one run with --quick', () => {
    const config = parseArgs(['--quick']);
    expect([config.runs, config.transferSize, config.smallFiles.count]).toEqual([1, 32 * MiB, 50]);
  });

  it('keeps 50 concurrent clients for the server load even with --quick', () => {
    expect(parseArgs(['--quick']).server.concurrency).toBe(50);
  });

  it('runs only the sections named by --only', () => {
    expect([...parseArgs(['--only=server,scp']).sections]).toEqual(['server', 'scp']);
  });

  it('takes the transfer size and the run count from --size-mib and --runs', () => {
    const config = parseArgs(['--quick', '--size-mib=256', '--runs=2']);
    expect([config.transferSize, config.runs]).toEqual([256 * MiB, 2]);
    expect(() => parseArgs(['--runs=0'])).toThrow(UsageError);
  });

  it('rejects an unknown section', () => {
    expect(() => parseArgs(['--only=disk'])).toThrow(UsageError);
  });

  it('rejects an unknown argument', () => {
    expect(() => parseArgs(['--full'])).toThrow(/unknown argument --full/);
  });
});
