import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatProgressLine, formatTable } from '../../src/report/format';

describe(formatBytes.name, () => {
  it('prints bytes below 1 KiB as an integer', () => {
    expect(formatBytes(512)).toBe('512 B');
  });

  it('prints larger sizes in binary units with one decimal', () => {
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(100 * 1024 * 1024)).toBe('100.0 MiB');
  });
});

describe(formatDuration.name, () => {
  it('prints minutes and seconds, and hours when needed', () => {
    expect(formatDuration(65)).toBe('1:05');
    expect(formatDuration(3725)).toBe('1:02:05');
  });

  it('prints --:-- when the duration is unknown', () => {
    expect(formatDuration(Number.NaN)).toBe('--:--');
  });
});

describe(formatProgressLine.name, () => {
  it('shows percentage, rate and ETA', () => {
    const line = formatProgressLine('file', 1024 * 1024, 4 * 1024 * 1024, 1);
    expect(line).toContain(' 25%');
    expect(line).toContain('1.0 MiB/s');
    expect(line).toContain('ETA 0:03');
  });
});

describe(formatTable.name, () => {
  it('aligns columns under their headers', () => {
    expect(formatTable(['ID', 'STATE'], [['a', 'completed'], ['longer-id', 'failed']])).toEqual([
      'ID         STATE',
      'a          completed',
      'longer-id  failed',
    ]);
  });
});
