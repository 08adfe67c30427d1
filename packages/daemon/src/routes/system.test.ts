import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { callAt, parseEventTime } from './system';

describe('events since/until', () => {
  afterEach(() => jest.useRealTimers());

  it('reads seconds with nanoseconds; seconds past 2^63-1 are a 400 (Go ParseInt), not an empty stream', () => {
    expect(parseEventTime('1795853721.5', 'since')).toBe(1795853721500000000n);
    expect(() => parseEventTime('99999999999999999999.5', 'since')).toThrow('invalid value for since: "99999999999999999999.5"');
  });

  it('an until more than 24.8 days off is waited for (one setTimeout that long fires at once)', () => {
    jest.useFakeTimers({ now: 0 });
    const fired = jest.fn();
    callAt(30 * 86_400_000, fired);
    jest.advanceTimersByTime(29 * 86_400_000);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(86_400_000 + 10);
    expect(fired).toHaveBeenCalledTimes(1);
  });
});
