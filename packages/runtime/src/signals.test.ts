import { describe, expect, it } from '@jest/globals';
import { parseSignal } from './signals';

describe('parseSignal', () => {
  it('accepts names with and without SIG, any case, and numbers', () => {
    expect(parseSignal('KILL')).toBe(9);
    expect(parseSignal('SIGTERM')).toBe(15);
    expect(parseSignal('usr1')).toBe(10);
    expect(parseSignal('9')).toBe(9);
    expect(parseSignal(15)).toBe(15);
    expect(parseSignal(undefined)).toBe(9);
    expect(parseSignal('SIGRTMIN+3')).toBe(37);
  });
  it('rejects unknown names and out-of-range numbers', () => {
    expect(() => parseSignal('NOPE')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => parseSignal(0)).toThrow();
    expect(() => parseSignal('65')).toThrow();
  });
});
