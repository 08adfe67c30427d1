import { describe, expect, it } from '@jest/globals';
import { goTimeString, humanDuration, timeAgo } from './human-duration';
import { goTimeText } from './go-time-methods';

describe('humanDuration (go-units)', () => {
  const s = 1000;
  it('covers each branch', () => {
    expect(humanDuration(500)).toBe('Less than a second');
    expect(humanDuration(1 * s)).toBe('1 second');
    expect(humanDuration(14 * s)).toBe('14 seconds');
    expect(humanDuration(60 * s)).toBe('About a minute');
    expect(humanDuration(119 * s)).toBe('About a minute');
    expect(humanDuration(23 * 60 * s)).toBe('23 minutes');
    expect(humanDuration(60 * 60 * s)).toBe('About an hour');
    expect(humanDuration(5 * 3600 * s)).toBe('5 hours');
    expect(humanDuration(3 * 86400 * s)).toBe('3 days');
    expect(humanDuration(20 * 86400 * s)).toBe('2 weeks');
    expect(humanDuration(100 * 86400 * s)).toBe('3 months');
    expect(humanDuration(3 * 365 * 86400 * s)).toBe('3 years');
  });
  it('"56 years ago" for a zero Created (probes)', () => {
    expect(timeAgo(0, Date.UTC(2026, 10, 28, 8, 0, 0))).toBe('56 years ago');
  });
  it('CreatedAt like Go time.String in UTC', () => {
    expect(goTimeString(1795853000)).toBe('2026-11-28 08:03:20 +0000 UTC');
  });
  it("Go's time String of an RFC 3339 time (docker 28's network ls CreatedAt)", () => {
    expect(goTimeText('2026-12-07T02:59:49.591000000Z')).toBe('2026-12-07 02:59:49.591 +0000 UTC');
    expect(goTimeText('2026-12-07T02:59:49Z')).toBe('2026-12-07 02:59:49 +0000 UTC');
  });
});
