import { describe, expect, it } from '@jest/globals';
import { bytesSize, formatG, humanSize } from './go-units';

describe('humanSize (docker: decimal units, 3 significant digits)', () => {
  it('matches the traces', () => {
    expect(humanSize(1982368)).toBe('1.98MB'); // 04-images
    expect(humanSize(1982368, 4)).toBe('1.982MB'); // VirtualSize in 06, prune totals
    expect(humanSize(38)).toBe('38B'); // 111-history
    expect(humanSize(0)).toBe('0B');
    expect(humanSize(4, 4)).toBe('4B'); // 156-image-prune
    expect(humanSize(5632, 4)).toBe('5.632kB'); // build context
  });
  it('formats like Go %g, exponent included', () => {
    expect(humanSize(999999)).toBe('1e+03kB');
    expect(humanSize(999999, 4)).toBe('1000kB');
    expect(humanSize(100000)).toBe('100kB');
    expect(humanSize(1500)).toBe('1.5kB');
    expect(formatG(0.0001234, 3)).toBe('0.000123');
    expect(formatG(1e21, 3)).toBe('1e+21');
  });
  it('binary sizes for memory', () => {
    expect(bytesSize(327680)).toBe('320KiB'); // 87-stats
    expect(bytesSize(25275351040)).toBe('23.54GiB'); // 02-info
    expect(bytesSize(64 * 1024 * 1024)).toBe('64MiB');
  });
});
