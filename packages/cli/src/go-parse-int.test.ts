import { describe, expect, it } from '@jest/globals';
import { parseGoInt } from './go-parse-int';

/**
 * Go 1.19's answers (strconv.ParseInt(s, 0, 64), ParseUint(s, 0, 16), ParseUint(s, 0, 64)): the
 * value, or the error's text. Made by a Go program on this machine, not by berth.
 */
const GO: [string, string, string, string][] = [
  ["0", "0", "0", "0"],
  ["1", "1", "1", "1"],
  ["-1", "-1", "strconv.ParseUint: parsing \"-1\": invalid syntax", "strconv.ParseUint: parsing \"-1\": invalid syntax"],
  ["+1", "1", "strconv.ParseUint: parsing \"+1\": invalid syntax", "strconv.ParseUint: parsing \"+1\": invalid syntax"],
  ["", "strconv.ParseInt: parsing \"\": invalid syntax", "strconv.ParseUint: parsing \"\": invalid syntax", "strconv.ParseUint: parsing \"\": invalid syntax"],
  ["-", "strconv.ParseInt: parsing \"-\": invalid syntax", "strconv.ParseUint: parsing \"-\": invalid syntax", "strconv.ParseUint: parsing \"-\": invalid syntax"],
  ["+", "strconv.ParseInt: parsing \"+\": invalid syntax", "strconv.ParseUint: parsing \"+\": invalid syntax", "strconv.ParseUint: parsing \"+\": invalid syntax"],
  ["x", "strconv.ParseInt: parsing \"x\": invalid syntax", "strconv.ParseUint: parsing \"x\": invalid syntax", "strconv.ParseUint: parsing \"x\": invalid syntax"],
  ["0x10", "16", "16", "16"],
  ["0X1f", "31", "31", "31"],
  ["0x", "strconv.ParseInt: parsing \"0x\": invalid syntax", "strconv.ParseUint: parsing \"0x\": invalid syntax", "strconv.ParseUint: parsing \"0x\": invalid syntax"],
  ["0xg", "strconv.ParseInt: parsing \"0xg\": invalid syntax", "strconv.ParseUint: parsing \"0xg\": invalid syntax", "strconv.ParseUint: parsing \"0xg\": invalid syntax"],
  ["0o17", "15", "15", "15"],
  ["0O17", "15", "15", "15"],
  ["0o", "strconv.ParseInt: parsing \"0o\": invalid syntax", "strconv.ParseUint: parsing \"0o\": invalid syntax", "strconv.ParseUint: parsing \"0o\": invalid syntax"],
  ["017", "15", "15", "15"],
  ["08", "strconv.ParseInt: parsing \"08\": invalid syntax", "strconv.ParseUint: parsing \"08\": invalid syntax", "strconv.ParseUint: parsing \"08\": invalid syntax"],
  ["0b11", "3", "3", "3"],
  ["0B102", "strconv.ParseInt: parsing \"0B102\": invalid syntax", "strconv.ParseUint: parsing \"0B102\": invalid syntax", "strconv.ParseUint: parsing \"0B102\": invalid syntax"],
  ["0b", "strconv.ParseInt: parsing \"0b\": invalid syntax", "strconv.ParseUint: parsing \"0b\": invalid syntax", "strconv.ParseUint: parsing \"0b\": invalid syntax"],
  ["1_000", "1000", "1000", "1000"],
  ["_1", "strconv.ParseInt: parsing \"_1\": invalid syntax", "strconv.ParseUint: parsing \"_1\": invalid syntax", "strconv.ParseUint: parsing \"_1\": invalid syntax"],
  ["1_", "strconv.ParseInt: parsing \"1_\": invalid syntax", "strconv.ParseUint: parsing \"1_\": invalid syntax", "strconv.ParseUint: parsing \"1_\": invalid syntax"],
  ["1__0", "strconv.ParseInt: parsing \"1__0\": invalid syntax", "strconv.ParseUint: parsing \"1__0\": invalid syntax", "strconv.ParseUint: parsing \"1__0\": invalid syntax"],
  ["0x_1f", "31", "31", "31"],
  ["0_17", "15", "15", "15"],
  ["0b_1", "1", "1", "1"],
  ["-0x10", "-16", "strconv.ParseUint: parsing \"-0x10\": invalid syntax", "strconv.ParseUint: parsing \"-0x10\": invalid syntax"],
  ["+0o7", "7", "strconv.ParseUint: parsing \"+0o7\": invalid syntax", "strconv.ParseUint: parsing \"+0o7\": invalid syntax"],
  ["9223372036854775807", "9223372036854775807", "strconv.ParseUint: parsing \"9223372036854775807\": value out of range", "9223372036854775807"],
  ["9223372036854775808", "strconv.ParseInt: parsing \"9223372036854775808\": value out of range", "strconv.ParseUint: parsing \"9223372036854775808\": value out of range", "9223372036854775808"],
  ["-9223372036854775808", "-9223372036854775808", "strconv.ParseUint: parsing \"-9223372036854775808\": invalid syntax", "strconv.ParseUint: parsing \"-9223372036854775808\": invalid syntax"],
  ["-9223372036854775809", "strconv.ParseInt: parsing \"-9223372036854775809\": value out of range", "strconv.ParseUint: parsing \"-9223372036854775809\": invalid syntax", "strconv.ParseUint: parsing \"-9223372036854775809\": invalid syntax"],
  ["18446744073709551615", "strconv.ParseInt: parsing \"18446744073709551615\": value out of range", "strconv.ParseUint: parsing \"18446744073709551615\": value out of range", "18446744073709551615"],
  ["18446744073709551616", "strconv.ParseInt: parsing \"18446744073709551616\": value out of range", "strconv.ParseUint: parsing \"18446744073709551616\": value out of range", "strconv.ParseUint: parsing \"18446744073709551616\": value out of range"],
  ["99999999999999999999x", "strconv.ParseInt: parsing \"99999999999999999999x\": value out of range", "strconv.ParseUint: parsing \"99999999999999999999x\": value out of range", "strconv.ParseUint: parsing \"99999999999999999999x\": value out of range"],
  ["65535", "65535", "65535", "65535"],
  ["65536", "65536", "strconv.ParseUint: parsing \"65536\": value out of range", "65536"],
  ["-0", "0", "strconv.ParseUint: parsing \"-0\": invalid syntax", "strconv.ParseUint: parsing \"-0\": invalid syntax"],
  ["00", "0", "0", "0"],
  ["0x8000000000000000", "strconv.ParseInt: parsing \"0x8000000000000000\": value out of range", "strconv.ParseUint: parsing \"0x8000000000000000\": value out of range", "9223372036854775808"],
  ["1e3", "strconv.ParseInt: parsing \"1e3\": invalid syntax", "strconv.ParseUint: parsing \"1e3\": invalid syntax", "strconv.ParseUint: parsing \"1e3\": invalid syntax"],
  ["1.5", "strconv.ParseInt: parsing \"1.5\": invalid syntax", "strconv.ParseUint: parsing \"1.5\": invalid syntax", "strconv.ParseUint: parsing \"1.5\": invalid syntax"],
  [" 1", "strconv.ParseInt: parsing \" 1\": invalid syntax", "strconv.ParseUint: parsing \" 1\": invalid syntax", "strconv.ParseUint: parsing \" 1\": invalid syntax"],
  ["1 ", "strconv.ParseInt: parsing \"1 \": invalid syntax", "strconv.ParseUint: parsing \"1 \": invalid syntax", "strconv.ParseUint: parsing \"1 \": invalid syntax"],
  ["٣", "strconv.ParseInt: parsing \"٣\": invalid syntax", "strconv.ParseUint: parsing \"٣\": invalid syntax", "strconv.ParseUint: parsing \"٣\": invalid syntax"],
  ["0xFFFF", "65535", "65535", "65535"],
  ["0x10000", "65536", "strconv.ParseUint: parsing \"0x10000\": value out of range", "65536"],
  ["0b1111111111111111", "65535", "65535", "65535"],
  ["9007199254740993", "9007199254740993", "strconv.ParseUint: parsing \"9007199254740993\": value out of range", "9007199254740993"],
  ["-9007199254740993", "-9007199254740993", "strconv.ParseUint: parsing \"-9007199254740993\": invalid syntax", "strconv.ParseUint: parsing \"-9007199254740993\": invalid syntax"],
  ["0_x1", "strconv.ParseInt: parsing \"0_x1\": invalid syntax", "strconv.ParseUint: parsing \"0_x1\": invalid syntax", "strconv.ParseUint: parsing \"0_x1\": invalid syntax"],
  ["1_0_0", "100", "100", "100"],
  ["0x1_f", "31", "31", "31"],
  ["-_1", "strconv.ParseInt: parsing \"-_1\": invalid syntax", "strconv.ParseUint: parsing \"-_1\": invalid syntax", "strconv.ParseUint: parsing \"-_1\": invalid syntax"],
  ["--1", "strconv.ParseInt: parsing \"--1\": invalid syntax", "strconv.ParseUint: parsing \"--1\": invalid syntax", "strconv.ParseUint: parsing \"--1\": invalid syntax"],
];

const answer = (s: string, type: 'int' | 'uint16' | 'uint64'): string => {
  try {
    return String(parseGoInt(s, type));
  } catch (e) {
    return (e as Error).message;
  }
};

describe('parseGoInt (strconv with base 0, as pflag calls it)', () => {
  it.each(GO)('%j', (s, int, uint16, uint64) => {
    expect([answer(s, 'int'), answer(s, 'uint16'), answer(s, 'uint64')]).toEqual([int, uint16, uint64]);
  });
  it('int64 past 2^53 is a bigint, exact', () => {
    expect(parseGoInt('9223372036854775807', 'int64')).toBe(9223372036854775807n);
    expect(parseGoInt('0x10', 'int64')).toBe(16);
  });
});
