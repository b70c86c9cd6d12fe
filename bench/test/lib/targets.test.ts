import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../lib/config';
import { Results } from '../../lib/results';
import { checkTargets } from '../../lib/targets';

const config = parseArgs(['--quick']);

function verdicts(results: Results): Record<string, string> {
  return Object.fromEntries(checkTargets(config, results).map((t) => [t.name, t.verdict]));
}

describe(checkTargets.name, () => {
  it('passes sft at 70% of the raw TLS ceiling and misses it below', () => {
    const at = new Results();
    at.add('transfer', 'sft / raw TLS 32 MiB', '%', [70]);
    const below = new Results();
    below.add('transfer', 'sft / raw TLS 32 MiB', '%', [69.9]);
    expect([verdicts(at)['sft vs raw TLS ceiling'], verdicts(below)['sft vs raw TLS ceiling']]).toEqual(['PASS', 'MISS']);
  });

  it('misses peak RSS when any run at any size reaches 150 MiB', () => {
    const results = new Results();
    results.add('memory', 'sft sender peak RSS 8 MiB', 'MiB', [90]);
    results.add('memory', 'sft sender peak RSS 32 MiB', 'MiB', [95, 150, 96]);
    expect(verdicts(results)['sender peak RSS']).toBe('MISS');
  });

  it('calls memory flat when the median peaks stay within 20%', () => {
    const results = new Results();
    results.add('memory', 'sft receiver peak RSS 8 MiB', 'MiB', [100]);
    results.add('memory', 'sft receiver peak RSS 32 MiB', 'MiB', [119]);
    expect(verdicts(results)['receiver memory flat']).toBe('PASS');
  });

  it('calls memory not flat when the peak grows more than 20%', () => {
    const results = new Results();
    results.add('memory', 'sft receiver peak RSS 8 MiB', 'MiB', [100]);
    results.add('memory', 'sft receiver peak RSS 32 MiB', 'MiB', [121]);
    expect(verdicts(results)['receiver memory flat']).toBe('MISS');
  });

  it('compares sft with scp only when scp was measured', () => {
    const results = new Results();
    results.add('transfer', 'sft 32 MiB', 'MiB/s', [50]);
    results.skip('scp', 'scp 32 MiB', 'scp skipped: sshd not installed');
    expect(verdicts(results)['sft faster than scp']).toBe('SKIP');
  });

  it('misses join to first byte at one second', () => {
    const results = new Results();
    results.add('transfer', 'join → first byte', 's', [1]);
    expect(verdicts(results)['join to first byte']).toBe('MISS');
  });

  it('checks the session rate on SQLite only', () => {
    const results = new Results();
    results.add('server', 'MySQL sessions created+joined', 'per s', [900]);
    results.add('server', 'SQLite sessions created+joined', 'per s', [499]);
    expect(verdicts(results)['session create+join on SQLite']).toBe('MISS');
  });
});
