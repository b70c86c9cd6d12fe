import { describe, expect, it } from 'vitest';
import { parseByteRange } from '../../src/deliveries/byte-range';

describe(parseByteRange.name, () => {
  it('reads bytes=N- as the rest from N', () => {
    expect(parseByteRange('bytes=0-', 10)).toEqual({ kind: 'from', start: 0 });
    expect(parseByteRange(' bytes=9- ', 10)).toEqual({ kind: 'from', start: 9 });
  });

  it('refuses a start at or past the end', () => {
    expect(parseByteRange('bytes=10-', 10)).toEqual({ kind: 'unsatisfiable' });
    expect(parseByteRange('bytes=999999999999999-', 10)).toEqual({ kind: 'unsatisfiable' });
  });

  it('ignores every other form, and no header at all (the whole blob)', () => {
    for (const header of [undefined, '', 'bytes=0-5', 'bytes=-5', 'bytes=1-,3-', 'bytes=a-', 'items=1-', 'bytes=99999999999999999-', 'bytes=1e3-']) {
      expect(parseByteRange(header, 10)).toEqual({ kind: 'whole' });
    }
  });
});
