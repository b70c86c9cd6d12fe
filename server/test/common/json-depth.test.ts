import { describe, expect, it } from 'vitest';
import { jsonDepth, MAX_JSON_DEPTH, rejectDeepJson } from '../../src/common/json-depth';

const depthOf = (text: string) => jsonDepth(Buffer.from(text, 'utf8'));

describe(jsonDepth.name, () => {
  it.each([
    ['1', 0],
    ['{}', 1],
    ['{"files":[{"name":"a","size":1}]}', 3],
    ['[[],[[]]]', 3],
    ['{"a":"[[[[{{{{"}', 1],
    ['{"a":"\\"[[[["}', 1],
    ['{"naïve ✓":["日本"]}', 2],
  ])('counts %s as %i levels', (text, depth) => {
    expect(depthOf(text)).toBe(depth);
  });

  it('stops counting once the limit is passed', () => {
    expect(jsonDepth(Buffer.from('['.repeat(100_000)), 5)).toBe(6);
  });
});

describe(rejectDeepJson.name, () => {
  it('lets a body at the limit through and throws a 400 for one level more', () => {
    const nested = (n: number) => Buffer.from(`${'['.repeat(n)}${']'.repeat(n)}`);
    expect(() => rejectDeepJson(undefined as never, undefined as never, nested(MAX_JSON_DEPTH))).not.toThrow();
    expect(() => rejectDeepJson(undefined as never, undefined as never, nested(MAX_JSON_DEPTH + 1))).toThrow(expect.objectContaining({ status: 400 }));
  });
});
