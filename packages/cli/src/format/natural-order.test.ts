import { describe, expect, it } from '@jest/globals';
import { naturalCompare } from './natural-order';

describe('naturalCompare (docker network/volume ls order)', () => {
  it('numbers by value, digits before letters, bytes otherwise, prefixes first', () => {
    const names = ['v10', 'v2', 'bridge', 'host', 'none', 'a', 'ab', 'B', '1x', '10', '9', 'v02', 'v002', 'x-1', 'x_1', 'é'];
    expect([...names].sort(naturalCompare)).toEqual(['1x', '9', '10', 'B', 'a', 'ab', 'bridge', 'host', 'none', 'v2', 'v02', 'v002', 'v10', 'x-1', 'x_1', 'é']);
  });
  it('is zero only for equal names', () => {
    expect(naturalCompare('net1', 'net1')).toBe(0);
    expect(naturalCompare('net', 'net1')).toBeLessThan(0);
    expect(naturalCompare('net01', 'net1')).toBeGreaterThan(0);
  });
});
