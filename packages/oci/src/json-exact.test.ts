import { describe, expect, it } from '@jest/globals';
import { JsonNumber, parseJsonExact, stringifyJson } from './json-exact';

describe('parseJsonExact / stringifyJson (JSON numbers as Go reads and writes int64)', () => {
  it('keeps what a double would not: integers beyond 2^53 as bigint, fractions and exponents as their text', () => {
    const v = parseJsonExact('{"HostConfig":{"Memory":9223372036854775807,"PidsLimit":-9223372036854775808,"ShmSize":1e30,"CpuShares":1.0,"x":[1E3, 2, -0.5]},"n":9007199254740991,"s":"9223372036854775807 1e30"}') as Record<string, Record<string, unknown>>;
    expect(v.HostConfig!.Memory).toBe(9223372036854775807n);
    expect(v.HostConfig!.PidsLimit).toBe(-9223372036854775808n);
    expect(v.HostConfig!.ShmSize).toEqual(new JsonNumber('1e30'));
    expect((v.HostConfig!.CpuShares as JsonNumber).text).toBe('1.0');
    expect((v.HostConfig!.x as unknown[]).map((x) => (x instanceof JsonNumber ? x.text : x))).toEqual(['1E3', 2, '-0.5']);
    expect(v.n).toBe(9007199254740991); // the largest safe integer stays a number
    expect(v.s).toBe('9223372036854775807 1e30'); // strings untouched
  });
  it('is JSON.parse for everything else, errors included', () => {
    const text = '{"a":[1,-2,0,{"b":null,"c":true,"d":"x\\"1.5\\u0000"}],"e":{}}';
    expect(parseJsonExact(text)).toEqual(JSON.parse(text));
    expect(() => parseJsonExact('{"a":01}')).toThrow(SyntaxError);
    expect(() => parseJsonExact('{"a":1.5.3}')).toThrow(SyntaxError);
    expect(() => parseJsonExact('{"a":1e}')).toThrow(SyntaxError);
    expect(() => parseJsonExact('[1e400')).toThrow(SyntaxError);
  });
  it('writes bigints as digits, and a JsonNumber as the double JSON.parse would have read', () => {
    expect(stringifyJson({ Memory: 9223372036854775807n, l: [-9223372036854775808n], s: 'a\u0000b', j: new JsonNumber('1.5'), n: 5 })).toBe(
      '{"Memory":9223372036854775807,"l":[-9223372036854775808],"s":"a\\u0000b","j":1.5,"n":5}',
    );
    expect(stringifyJson({ a: 1 })).toBe('{"a":1}');
    const round = '{"HostConfig":{"Memory":9223372036854775807,"Ulimits":[{"Soft":-1,"Hard":9223372036854775807}]}}';
    expect(stringifyJson(parseJsonExact(round))).toBe(round);
    expect(parseJsonExact('[9223372036854775807,1e30,1.5]', { bigintsOnly: true })).toEqual([9223372036854775807n, 1e30, 1.5]);
  });
});
