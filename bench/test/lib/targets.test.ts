import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../lib/config';
import { Results } from '../../lib/results';
import { checkTargets } from '../../lib/targets';

const config = parseArgs(['--quick']);

function verdicts(results: Results): Record<string, string> {
  return Object.fromEntries(checkTargets(config, results).map((t) => [t.name, t.verdict]));
}

describe(checkTargets.name, () => {
  it('passes sft at 0.7× the tuned TLS ceiling and misses it below', () => {
    const at = new Results();
    at.add('transfer', 'sft / tuned TLS 32 MiB', '×', [0.7]);
    const below = new Results();
    below.add('transfer', 'sft / tuned TLS 32 MiB', '×', [0.699]);
    expect([verdicts(at)['sft vs tuned TLS ceiling'], verdicts(below)['sft vs tuned TLS ceiling']]).toEqual(['PASS', 'MISS']);
  });

  it('passes sft at 1.0× scp aes256-gcm and misses it below', () => {
    const at = new Results();
    at.add('scp', 'sft / scp aes256-gcm 32 MiB', '×', [1]);
    const below = new Results();
    below.add('scp', 'sft / scp aes256-gcm 32 MiB', '×', [0.99]);
    expect([verdicts(at)['sft vs scp aes256-gcm'], verdicts(below)['sft vs scp aes256-gcm']]).toEqual(['PASS', 'MISS']);
  });

  it('misses CPU per GiB above 4 s on a side', () => {
    const results = new Results();
    results.add('cost', 'sft 32 MiB: sender CPU', 's/GiB', [3.9]);
    results.add('cost', 'sft 32 MiB: receiver CPU', 's/GiB', [4.1]);
    expect([verdicts(results)['sender CPU per GiB'], verdicts(results)['receiver CPU per GiB']]).toEqual(['PASS', 'MISS']);
  });

  it('misses peak RSS when any run at any size reaches 120 MiB', () => {
    const results = new Results();
    results.add('memory', 'sft sender peak RSS 8 MiB', 'MiB', [90]);
    results.add('memory', 'sft sender peak RSS 32 MiB', 'MiB', [95, 120, 96]);
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
    expect(verdicts(results)['sft vs scp aes256-gcm']).toBe('SKIP');
  });

  it('misses join to first byte at half a second', () => {
    const results = new Results();
    results.add('transfer', 'join → first byte', 's', [0.5]);
    expect(verdicts(results)['join to first byte']).toBe('MISS');
  });

  it('checks the session rate on SQLite and MySQL against their own goals', () => {
    const results = new Results();
    results.add('server', 'MySQL sessions created+joined', 'per s', [700]);
    results.add('server', 'SQLite sessions created+joined', 'per s', [999]);
    expect([verdicts(results)['session create+join on SQLite'], verdicts(results)['session create+join on MySQL']]).toEqual(['MISS', 'PASS']);
  });

  it('checks the small-files rate at 1000 files/s', () => {
    const results = new Results();
    results.add('files', 'sft 50 × 10 KiB files', 'files/s', [1000]);
    expect(verdicts(results)['many small files']).toBe('PASS');
  });
});
