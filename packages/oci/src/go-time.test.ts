import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { rfc3339, rfc3339Nano } from './go-time';

describe('Go time formats', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });
  /** The process zone's offset (jest's sandbox keeps process.env.TZ from the real process). */
  const zoneWest = (f: (d: Date) => number): void => {
    jest.spyOn(Date.prototype, 'getTimezoneOffset').mockImplementation(function (this: Date) {
      return f(this);
    });
  };
  const d = new Date('2026-11-28T08:14:45.990Z');

  it('RFC3339Nano: nanoseconds, trailing zeros dropped, none for a whole second (Go time.RFC3339Nano)', () => {
    expect(rfc3339Nano(d, { subMsNanos: 0 })).toBe('2026-11-28T08:14:45.99Z');
    expect(rfc3339Nano(d, { subMsNanos: 178447 })).toBe('2026-11-28T08:14:45.990178447Z');
    expect(rfc3339Nano(d, { subMsNanos: 100000 })).toBe('2026-11-28T08:14:45.9901Z');
    expect(rfc3339Nano(new Date('2026-11-28T08:14:45.000Z'), { subMsNanos: 0 })).toBe('2026-11-28T08:14:45Z');
    expect(rfc3339Nano(new Date('2026-11-28T08:14:45.000Z'), { subMsNanos: 5 })).toBe('2026-11-28T08:14:45.000000005Z');
  });

  it('the sub-millisecond digits come from the clock by default: nine digits at most, the milliseconds kept', () => {
    const s = rfc3339Nano(d);
    expect(s).toMatch(/^2026-11-28T08:14:45\.99\d{0,7}Z$/);
  });

  it('RFC3339: whole seconds', () => {
    expect(rfc3339(d)).toBe('2026-11-28T08:14:45Z');
  });

  it('local: the wall clock of the process zone and its offset (Go time.Now()), Z for a zero offset', () => {
    zoneWest(() => 0);
    expect(rfc3339Nano(d, { local: true, subMsNanos: 0 })).toBe('2026-11-28T08:14:45.99Z');
    zoneWest(() => -330);
    expect(rfc3339Nano(d, { local: true, subMsNanos: 0 })).toBe('2026-11-28T13:44:45.99+05:30');
    expect(rfc3339(d, { local: true })).toBe('2026-11-28T13:44:45+05:30');
    // not local: UTC whatever the zone
    expect(rfc3339Nano(d, { subMsNanos: 0 })).toBe('2026-11-28T08:14:45.99Z');
    // Newfoundland: -03:30, -02:30 in summer
    zoneWest((x) => (x.getUTCMonth() >= 3 && x.getUTCMonth() <= 9 ? 150 : 210));
    expect(rfc3339Nano(d, { local: true, subMsNanos: 1 })).toBe('2026-11-28T04:44:45.990000001-03:30');
    // across a day and a year boundary
    expect(rfc3339(new Date('2027-01-01T01:00:00Z'), { local: true })).toBe('2026-12-31T21:30:00-03:30');
    // summer time: Go's offset of that instant
    expect(rfc3339(new Date('2026-07-01T12:00:00Z'), { local: true })).toBe('2026-07-01T09:30:00-02:30');
  });
});
