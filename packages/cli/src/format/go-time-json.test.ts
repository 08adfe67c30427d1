import { describe, expect, it } from '@jest/globals';
import { goTimeJson } from './go-time-json';

describe('goTimeJson (time.Time MarshalJSON: RFC3339Nano)', () => {
  it('drops the fraction\'s trailing zeros, as Go writes it back', () => {
    expect(goTimeJson('2026-12-07T11:48:37.990Z')).toBe('2026-12-07T11:48:37.99Z');
    expect(goTimeJson('2026-12-07T11:48:37.000Z')).toBe('2026-12-07T11:48:37Z');
    expect(goTimeJson('2026-12-07T11:48:37.123456789Z')).toBe('2026-12-07T11:48:37.123456789Z');
  });
  it('keeps an offset, a zero one as Z; leaves what is not RFC 3339', () => {
    expect(goTimeJson('2026-12-07T12:48:37.50+01:00')).toBe('2026-12-07T12:48:37.5+01:00');
    expect(goTimeJson('2026-12-07T11:48:37+00:00')).toBe('2026-12-07T11:48:37Z');
    expect(goTimeJson('yesterday')).toBe('yesterday');
  });
});
