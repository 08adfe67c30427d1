import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@berth/errdefs';
import { bytesSize, formatG, humanSize, parseHumanSize, ramInBytes } from './go-units';

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

describe('parseHumanSize (go-units RAMInBytes / FromHumanSize)', () => {
  it('v0.5, as docker CLI 28 parses --memory (outputs checked with docker 28.2.2)', () => {
    expect(ramInBytes('64m')).toBe(67108864);
    expect(ramInBytes('1g')).toBe(1073741824);
    expect(ramInBytes('512')).toBe(512);
    expect(ramInBytes('1KiB')).toBe(1024);
    expect(ramInBytes('1KB')).toBe(1024);
    expect(ramInBytes('2 m')).toBe(2 * 1024 * 1024);
    expect(ramInBytes('1.5k')).toBe(1536);
    expect(ramInBytes('.5k')).toBe(512);
    expect(ramInBytes('1e3')).toBe(1000);
    expect(ramInBytes('0x1p4')).toBe(16);
    expect(ramInBytes('0x1.8p1k')).toBe(3072);
    expect(ramInBytes('7b')).toBe(7);
    expect(ramInBytes('2.9')).toBe(2);
    expect(parseHumanSize('10m', 1000)).toBe(10_000_000);
    expect(() => ramInBytes('lots')).toThrow(InvalidArgumentError);
    expect(() => ramInBytes('lots')).toThrow("invalid size: 'lots'");
    expect(() => ramInBytes('x')).toThrow("invalid size: 'x'");
    expect(() => ramInBytes('-1')).toThrow("invalid size: '-1'");
    expect(() => ramInBytes('1x')).toThrow("invalid suffix: 'x'");
    expect(() => ramInBytes('1KX')).toThrow("invalid suffix: 'kx'");
    expect(() => ramInBytes('1kbb')).toThrow("invalid suffix: 'kbb'");
    expect(() => ramInBytes('1bb')).toThrow("invalid suffix: 'bb'");
    expect(() => ramInBytes('1kibs')).toThrow("invalid suffix: 'kibs'");
    // go-units v0.5 refuses a suffix longer than 3 before lower-casing it: quoted as given
    expect(() => ramInBytes('1XXXX')).toThrow("invalid suffix: 'XXXX'");
    expect(() => ramInBytes('1KiBs')).toThrow("invalid suffix: 'KiBs'");
    expect(() => ramInBytes('1.2.3')).toThrow('strconv.ParseFloat: parsing "1.2.3": invalid syntax');
    expect(() => ramInBytes('1e400')).toThrow('strconv.ParseFloat: parsing "1e400": value out of range');
    expect(() => ramInBytes('1  k')).toThrow('strconv.ParseFloat: parsing "1 ": invalid syntax');
  });
  it('v0.4, as Docker 20.10 daemon parses (its one pattern; everything else is "invalid size")', () => {
    expect(parseHumanSize('64k', 1000, 'v0.4')).toBe(64000);
    expect(parseHumanSize('10MB', 1000, 'v0.4')).toBe(10_000_000);
    expect(parseHumanSize('10 mib', 1000, 'v0.4')).toBe(10_000_000);
    expect(parseHumanSize('1.5k', 1024, 'v0.4')).toBe(1536);
    expect(parseHumanSize('3i', 1000, 'v0.4')).toBe(3);
    expect(parseHumanSize('100', 1000, 'v0.4')).toBe(100);
    expect(() => parseHumanSize('1x', 1000, 'v0.4')).toThrow("invalid size: '1x'");
    expect(() => parseHumanSize('1e3', 1000, 'v0.4')).toThrow("invalid size: '1e3'");
    expect(() => parseHumanSize('-1', 1000, 'v0.4')).toThrow("invalid size: '-1'");
    expect(() => parseHumanSize(' 1k', 1000, 'v0.4')).toThrow("invalid size: ' 1k'");
    expect(() => parseHumanSize('1.2.3', 1000, 'v0.4')).toThrow('strconv.ParseFloat: parsing "1.2.3": invalid syntax');
  });
});
