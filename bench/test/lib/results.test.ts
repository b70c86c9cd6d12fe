import { describe, expect, it } from 'vitest';
import { formatTable, num, Results } from '../../lib/results';

describe(Results.name, () => {
  it('lists failed measurements, which make the bench exit non-zero', () => {
    const results = new Results();
    results.add('transfer', 'sft 32 MiB', 'MiB/s', [10]);
    results.skip('scp', 'scp 32 MiB', 'scp skipped: sshd not installed');
    results.fail('server', 'MySQL load', new Error('POST /sessions answered 500\nstack'));
    expect(results.failed.map((r) => [r.name, r.error])).toEqual([['MySQL load', 'POST /sessions answered 500']]);
  });

  it('finds a measurement by section and name', () => {
    const results = new Results();
    results.add('memory', 'sft sender peak RSS 8 MiB', 'MiB', [90, 80, 100]);
    expect(results.find('memory', 'sft sender peak RSS 8 MiB')?.median).toBe(90);
  });
});

describe(formatTable.name, () => {
  it('prints skipped rows with their reason', () => {
    const results = new Results();
    results.skip('scp', 'scp 32 MiB', 'scp skipped: sshd not installed');
    expect(formatTable(results.rows)).toMatch(/scp 32 MiB\s+SKIPPED\s+scp skipped: sshd not installed/);
  });

  it('groups rows by the given section order', () => {
    const results = new Results();
    results.add('memory', 'm', 'MiB', [1]);
    results.add('transfer', 't', 'MiB/s', [1]);
    const lines = formatTable(results.rows, ['transfer', 'memory']).split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(['section', 'transfer', 'memory']);
  });
});

describe(num.name, () => {
  it('shows three significant digits', () => {
    expect([num(1234.5), num(45.83), num(1.514), num(0.1234)]).toEqual(['1235', '45.8', '1.51', '0.123']);
  });
});
