import { describe, expect, it } from '@jest/globals';
import { parseFilterFlags } from './filter-flags';

describe('parseFilterFlags', () => {
  it('groups values by key; a key "__proto__" is a key (an own one: the daemon refuses it by name), not a crash', () => {
    expect(JSON.stringify(parseFilterFlags(['name=a', 'Name=b', '__proto__=x']))).toBe('{"name":["a","b"],"__proto__":["x"]}');
    expect(() => parseFilterFlags(['novalue'])).toThrow('bad format of filter (expected name=value)');
  });
});
