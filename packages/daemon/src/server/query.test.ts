import { describe, expect, it } from '@jest/globals';
import type { Request } from 'express';
import { queryAtoi, queryBool, queryBoolValue, queryInt } from './query';

const req = (query: Record<string, unknown>) => ({ query }) as unknown as Request;

describe('queryBoolValue (moby httputils.BoolValue, copyUIDGID)', () => {
  it('is false when missing, empty, 0, no, false or none (any case, trimmed)', () => {
    expect(queryBoolValue(req({}), 'copyUIDGID')).toBe(false);
    for (const v of ['', '0', 'no', 'false', 'none', ' FALSE ', 'None']) expect(queryBoolValue(req({ copyUIDGID: v }), 'copyUIDGID')).toBe(false);
  });

  it('is true for anything else, where queryBool (ParseBool-like) is not', () => {
    for (const v of ['1', 'true', 'True', 'yes', '2', 'on']) expect(queryBoolValue(req({ copyUIDGID: v }), 'copyUIDGID')).toBe(true);
    expect(queryBool(req({ x: 'on' }), 'x')).toBe(false);
  });

  it('takes the last of repeated values', () => {
    expect(queryBoolValue(req({ copyUIDGID: ['1', 'false'] }), 'copyUIDGID')).toBe(false);
  });
});

describe('queryInt (strconv.Atoi)', () => {
  it("takes decimal digits with a sign in int64's range; refuses exponents, hex, fractions, spaces with Go's text", () => {
    expect(queryInt(req({ h: '40' }), 'h')).toBe(40);
    expect(queryInt(req({ t: '-1' }), 't')).toBe(-1);
    expect(queryInt(req({ h: '' }), 'h', 0)).toBe(0);
    expect(queryInt(req({}), 't')).toBeUndefined();
    // Go's Atoi takes int64's range (moby: a stop timeout that long is waited for)
    expect(queryInt(req({ t: '9223372036854775807' }), 't')).toBe(2 ** 63);
    for (const v of ['1e30', '1e3', '0x10', '1.0', ' 5', ' ']) expect(() => queryInt(req({ h: v }), 'h')).toThrow(`strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
    expect(() => queryInt(req({ limit: '99999999999999999999' }), 'limit')).toThrow('strconv.Atoi: parsing "99999999999999999999": value out of range');
  });

  it('queryAtoi (resize h and w): always read, missing is Atoi("")\'s invalid syntax, as moby', () => {
    expect(queryAtoi(req({ h: '24' }), 'h')).toBe(24);
    expect(() => queryAtoi(req({}), 'h')).toThrow('strconv.Atoi: parsing "": invalid syntax');
    expect(() => queryAtoi(req({ w: 'x' }), 'w')).toThrow('strconv.Atoi: parsing "x": invalid syntax');
  });
});
