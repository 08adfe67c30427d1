import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@berth/errdefs';
import { parseGoDuration, parseTimestamp } from './timestamp';

describe('parseTimestamp (--since/--until)', () => {
  const now = 1795853722_500;
  it('durations are relative to now, in unix seconds (53-logs-follow-t sent since=1795853721)', () => {
    expect(parseTimestamp('1s', now)).toBe('1795853721');
    expect(parseTimestamp('1m30s', now)).toBe('1795853632');
    expect(parseGoDuration('2h')).toBe(7200000);
    expect(parseGoDuration('abc')).toBeUndefined();
  });
  it('unix times pass through; RFC 3339 becomes unix seconds', () => {
    expect(parseTimestamp('1795853000', now)).toBe('1795853000');
    expect(parseTimestamp('2026-11-28T08:03:20Z', now)).toBe('1795853000');
    expect(parseTimestamp('2026-11-28T08:03:20.5Z', now)).toBe('1795853000.500000000');
    expect(() => parseTimestamp('yesterday-ish', now)).toThrow(InvalidArgumentError);
  });
});
