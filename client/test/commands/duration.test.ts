import { describe, expect, it } from 'vitest';
import { parseDuration, parseDurationOrOff } from '../../src/commands/duration';

describe(parseDuration.name, () => {
  it.each([
    ['90', 90], ['90s', 90], ['30m', 1800], ['12h', 43200], ['7d', 604800], ['2D', 172800], [' 5 m ', 300],
  ])('reads %j as %d seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '0', '-5m', '1.5h', '7w', 'soon', '99999999999999999d'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/duration such as/);
  });
});

describe(parseDurationOrOff.name, () => {
  it.each([['0', 0], ['0s', 0], ['3s', 3], ['5m', 300]])('reads %j as %d seconds (0 = off)', (text, seconds) => {
    expect(parseDurationOrOff(text)).toBe(seconds);
  });

  it.each(['', '-1', 'never', '1.5m'])('refuses %j', (text) => {
    expect(() => parseDurationOrOff(text)).toThrow(/duration such as/);
  });
});
