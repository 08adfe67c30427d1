import { describe, expect, it } from '@jest/globals';
import { GoNumError, INT64_MAX, INT64_MIN, goInt, goInt64Of, goInt64OfFloat, goAtoi, goJsonKind, goParseInt, goParseInt64, goParseUint, int64Value, isInt64, parseJsonExact } from './index';

describe("Go's int64: one range rule for the daemon and the CLI", () => {
  it('isInt64: -2^63 .. 2^63-1', () => {
    expect([isInt64(INT64_MAX), isInt64(INT64_MAX + 1n), isInt64(INT64_MIN), isInt64(INT64_MIN - 1n)]).toEqual([true, false, true, false]);
    expect(INT64_MAX).toBe(9223372036854775807n);
  });

  it('int64Value: a number while it is a safe integer, else the bigint', () => {
    expect(int64Value(2n ** 53n - 1n)).toBe(2 ** 53 - 1);
    expect(int64Value(2n ** 53n)).toBe(2n ** 53n);
    expect(int64Value(-(2n ** 53n))).toBe(-(2n ** 53n));
  });

  it("goParseInt64: strconv.ParseInt(s, 10, 64), exact, with Go's texts", () => {
    expect(goParseInt64('9223372036854775807')).toBe(INT64_MAX);
    expect(goParseInt64('-12')).toBe(-12);
    expect(goParseInt64('+7')).toBe(7);
    expect(() => goParseInt64('9223372036854775808')).toThrow('strconv.ParseInt: parsing "9223372036854775808": value out of range');
    for (const bad of ['', '1e3', '0x10', ' 5', '1.0']) expect(() => goParseInt64(bad)).toThrow(`strconv.ParseInt: parsing ${JSON.stringify(bad)}: invalid syntax`);
  });

  it('goParseInt/goParseUint: one strconv for every base (the CLI\'s pflag flags use base 0); the number strconv.Quote\'d', () => {
    // Go 1.19: ParseInt("0x_1F", 0, 64) = 31; ParseInt("0x1F", 10, 64) invalid syntax; ParseUint("65536", 0, 16) out of range;
    // ParseInt("-0b101", 0, 8) = -5; ParseInt("128", 0, 8) out of range; ParseInt("\x01", 10, 64)'s text quotes "\x01"
    expect(goParseInt('0x_1F', 0, 64)).toBe(31);
    expect(() => goParseInt('0x1F', 10, 64)).toThrow('strconv.ParseInt: parsing "0x1F": invalid syntax');
    expect(() => goParseUint('65536', 0, 16)).toThrow('strconv.ParseUint: parsing "65536": value out of range');
    expect(goParseInt('-0b101', 0, 8)).toBe(-5);
    expect(() => goParseInt('128', 0, 8)).toThrow('strconv.ParseInt: parsing "128": value out of range');
    expect(() => goParseInt64('\x01')).toThrow('strconv.ParseInt: parsing "\\x01": invalid syntax');
    expect(() => goParseInt64('x')).toThrow(GoNumError);
  });

  it("goAtoi: strconv.Atoi on amd64 (int64's range) with Atoi in Go's texts", () => {
    expect(goAtoi('-9223372036854775808')).toBe(INT64_MIN);
    expect(goAtoi('007')).toBe(7);
    expect(() => goAtoi('9223372036854775808')).toThrow('strconv.Atoi: parsing "9223372036854775808": value out of range');
    for (const bad of ['', '1e3', '0x10', ' 5', '1.0', '1_000', '+']) expect(() => goAtoi(bad)).toThrow(`strconv.Atoi: parsing ${JSON.stringify(bad)}: invalid syntax`);
  });

  it("the CLI's conversions: big.Int's Int64 wraps, int64(float) out of range is -2^63", () => {
    expect(goInt64Of(2n ** 64n + 5n)).toBe(5n);
    expect(goInt64OfFloat(1e30)).toBe(INT64_MIN);
    expect(goInt64OfFloat(2 ** 62)).toBe(2n ** 62n);
  });

  it("goInt: Go's decoder's refusals for an integer field, the range by its type", () => {
    const body = parseJsonExact('{"a":9223372036854775807,"b":9223372036854775808,"c":1e3,"d":"1","e":65536}') as Record<string, unknown>;
    expect(goInt(body.a, 'X.a', 'int64')).toBe(INT64_MAX);
    expect(() => goInt(body.b, 'X.b', 'int64')).toThrow('json: cannot unmarshal number 9223372036854775808 into Go struct field X.b of type int64');
    expect(() => goInt(body.c, 'X.c', 'int64')).toThrow('json: cannot unmarshal number 1e3 into Go struct field X.c of type int64');
    expect(() => goInt(body.d, 'X.d', 'int64')).toThrow('json: cannot unmarshal string into Go struct field X.d of type int64');
    expect(() => goInt(body.e, 'X.e', 'uint16')).toThrow('of type uint16');
    expect(() => goInt(-1, 'X.f', 'fs.FileMode')).toThrow('of type fs.FileMode');
    expect(goInt(undefined, 'X.g', 'int64')).toBe(0);
    expect([goJsonKind([]), goJsonKind({}), goJsonKind(true), goJsonKind(1n)]).toEqual(['array', 'object', 'bool', 'number']);
  });
});
