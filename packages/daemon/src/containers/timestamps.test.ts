import { describe, expect, it } from '@jest/globals';
import { parseTimeArg } from './timestamps';

describe('parseTimeArg', () => {
  const now = new Date('2026-12-07T10:00:00Z');
  it('reads unix seconds, RFC3339 and durations', () => {
    expect(parseTimeArg('1795853721.5', now)).toBe(1795853721500);
    expect(parseTimeArg('2026-12-07T09:00:00Z', now)).toBe(Date.parse('2026-12-07T09:00:00Z'));
    expect(parseTimeArg('10m', now)).toBe(now.getTime() - 600_000);
    expect(parseTimeArg('', now)).toBeUndefined();
  });
  it('is NaN (the caller\'s 400) for seconds beyond what a Date holds, not an invalid Date for later', () => {
    expect(parseTimeArg('99999999999999999999.5', now)).toBeNaN();
    expect(parseTimeArg('-99999999999999999999', now)).toBeNaN();
    expect(parseTimeArg(1e20, now)).toBeNaN();
    expect(parseTimeArg('abc', now)).toBeNaN();
  });
});
