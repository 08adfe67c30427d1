import { InvalidArgumentError } from '@berth/errdefs';
import type { Int64 } from './types';

/**
 * Go's int64, the one range rule (strconv.ParseInt's, encoding/json's, big.Int's Int64) for both
 * sides: the daemon's checks of what it is sent and the CLI's conversions of what it sends. An
 * Int64 is carried as a number while it is a safe integer, else as the exact bigint (JSON.stringify
 * of a double past 2^53 writes its shortest text, which is another integer).
 */

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/** Whether an integer fits a Go int64 (-2^63 .. 2^63-1). */
export function isInt64(x: bigint): boolean {
  return x >= INT64_MIN && x <= INT64_MAX;
}

/** An integer as an Int64 value: a number when it is a safe integer, else the bigint. */
export function int64Value(v: bigint): Int64 {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** big.Int's Int64 of an integer: its low 64 bits as an int64, the sign applied after (Go's wrap). */
export function goInt64Of(x: bigint): bigint {
  const neg = x < 0n;
  const low = BigInt.asIntN(64, neg ? -x : x);
  return BigInt.asIntN(64, neg ? -low : low);
}

/** Go's `int64(f)` of a float64 on amd64: the float's exact integer part; out of range (or NaN) is -2^63, as the CPU's conversion gives. */
export function goInt64OfFloat(f: number): Int64 {
  if (Number.isSafeInteger(f)) return f;
  if (!(f >= Number(INT64_MIN) && f < -Number(INT64_MIN))) return INT64_MIN;
  return BigInt(Math.trunc(f));
}

/**
 * Go's strconv.ParseInt(s, 10, 64): an optional sign and decimal digits, exactly (an Int64);
 * refused (InvalidArgumentError) with Go's texts, `strconv.ParseInt: parsing "x": invalid syntax`
 * or `... value out of range`. The daemon's int64 query parameters and the CLI's int flags.
 */
export function goParseInt64(s: string): Int64 {
  return parseDecimal(s, 'ParseInt');
}

/**
 * Go's strconv.Atoi on amd64 (an int is 64 bits): ParseInt(s, 10, 0) with `Atoi` in its texts,
 * `strconv.Atoi: parsing "x": invalid syntax` / `... value out of range`. Callers that wrap it
 * (`invalid limit specified: …`) catch and prefix the message.
 */
export function goAtoi(s: string): Int64 {
  return parseDecimal(s, 'Atoi');
}

function parseDecimal(s: string, fn: 'ParseInt' | 'Atoi'): Int64 {
  if (!/^[+-]?\d+$/.test(s)) throw new InvalidArgumentError(`strconv.${fn}: parsing ${JSON.stringify(s)}: invalid syntax`);
  const b = BigInt(s);
  if (!isInt64(b)) throw new InvalidArgumentError(`strconv.${fn}: parsing ${JSON.stringify(s)}: value out of range`);
  return int64Value(b);
}
