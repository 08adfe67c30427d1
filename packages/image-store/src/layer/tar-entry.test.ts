import { describe, expect, it } from '@jest/globals';
import { exactOfNs } from './tar-entry';

describe('exactOfNs (the one rule for a bigint stat time as [sec, nsec]: pack-directory, copy-up)', () => {
  it('splits exactly, past 2^53 ns too, and keeps nsec in 0..999,999,999 before 1970', () => {
    expect(exactOfNs(1_700_000_000_123_456_789n)).toEqual([1_700_000_000, 123_456_789]);
    expect(exactOfNs(0n)).toEqual([0, 0]);
    expect(exactOfNs(-1n)).toEqual([-1, 999_999_999]);
    expect(exactOfNs(-1_500_000_000n)).toEqual([-2, 500_000_000]);
    expect(exactOfNs(-2_000_000_000n)).toEqual([-2, 0]);
  });
});
