import { describe, expect, it } from 'vitest';
import { formatSize, GiB, MiB, percentile, summarize } from '../../lib/stats';

describe(summarize.name, () => {
  it('gives the middle value of an odd number of runs as the median', () => {
    expect(summarize([9, 1, 5]).median).toBe(5);
  });

  it('averages the two middle values of an even number of runs', () => {
    expect(summarize([4, 1, 3, 2]).median).toBe(2.5);
  });

  it('reports the spread as min and max and keeps the runs in order', () => {
    expect(summarize([7, 3, 5])).toEqual({ median: 5, min: 3, max: 7, runs: 3, values: [7, 3, 5] });
  });

  it('refuses an empty list', () => {
    expect(() => summarize([])).toThrow(/at least one/);
  });
});

describe(percentile.name, () => {
  const sorted = Array.from({ length: 101 }, (_, i) => i);

  it('reads p50 and p99 off a sorted list', () => {
    expect([percentile(sorted, 50), percentile(sorted, 99)]).toEqual([50, 99]);
  });

  it('interpolates between neighbours', () => {
    expect(percentile([10, 20], 25)).toBe(12.5);
  });
});

describe(formatSize.name, () => {
  it('shows whole GiB and fractional MiB', () => {
    expect([formatSize(4 * GiB), formatSize(32 * MiB), formatSize(10 * 1024)]).toEqual(['4 GiB', '32 MiB', '10 KiB']);
  });
});
