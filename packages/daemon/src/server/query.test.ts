import { describe, expect, it } from '@jest/globals';
import type { Request } from 'express';
import { queryBool, queryBoolValue, queryInt } from './query';

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
  it('takes decimal digits with a sign; refuses exponents, hex, fractions, spaces and what a double cannot hold exactly', () => {
    expect(queryInt(req({ h: '40' }), 'h')).toBe(40);
    expect(queryInt(req({ t: '-1' }), 't')).toBe(-1);
    expect(queryInt(req({ h: '' }), 'h', 0)).toBe(0);
    for (const v of ['1e30', '1e3', '0x10', '1.0', ' 5', '99999999999999999999']) expect(() => queryInt(req({ h: v }), 'h')).toThrow(`invalid value for h: ${JSON.stringify(v)}`);
  });
});
