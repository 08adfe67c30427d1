import type { Int64 } from '@berth/api';

/**
 * Go's conversions to int64, for values the docker CLI computes and sends: a number while it is a
 * safe integer, else a bigint (the exact value; JSON.stringify of a double past 2^53 writes its
 * shortest text, which is another integer).
 */

/** big.Int's Int64 of an integer: its low 64 bits as an int64, the sign applied after (Go's wrap). */
export function goInt64Of(x: bigint): bigint {
  const neg = x < 0n;
  const low = BigInt.asIntN(64, neg ? -x : x);
  return BigInt.asIntN(64, neg ? -low : low);
}

/** Go's `int64(f)` of a float64 on amd64: the float's exact integer part; out of range (or NaN) is -2^63, as the CPU's conversion gives. */
export function goInt64OfFloat(f: number): Int64 {
  if (Number.isSafeInteger(f)) return f;
  if (!(f >= -(2 ** 63) && f < 2 ** 63)) return -(2n ** 63n);
  return BigInt(Math.trunc(f));
}

/** A bigint back to a number when it is a safe integer. */
export function int64Value(v: bigint): Int64 {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}
