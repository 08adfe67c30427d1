import { InvalidArgumentError } from '@berth/errdefs';
import { goQuote } from './go-quote';
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

/** strconv's NumError, an InvalidArgumentError: `strconv.ParseInt: parsing "x": invalid syntax` (the number strconv.Quote'd). */
export class GoNumError extends InvalidArgumentError {
  constructor(
    readonly fn: 'ParseInt' | 'ParseUint' | 'Atoi',
    readonly num: string,
    readonly why: 'invalid syntax' | 'value out of range',
  ) {
    super(`strconv.${fn}: parsing ${goQuote(num)}: ${why}`);
  }
}

/**
 * Go's strconv.ParseInt(s, base, bits), exactly (an Int64): an optional sign, then ParseUint's
 * digits; base 0 takes the prefix (`0x10`, `0o17`, `017`, `0b11`) and `_` between digits
 * (underscoreOK). Throws GoNumError with Go's texts; Go's order of checks (the first bad digit or
 * overflow wins). The daemon's int64 query parameters (base 10) and the CLI's pflag int flags (base 0).
 */
export function goParseInt(s: string, base: number, bits: number, fn: 'ParseInt' | 'Atoi' = 'ParseInt'): Int64 {
  if (s === '') throw new GoNumError(fn, s, 'invalid syntax');
  const neg = s[0] === '-';
  const u = parseUint(s[0] === '+' || neg ? s.slice(1) : s, base, 64);
  if (u === 'syntax') throw new GoNumError(fn, s, 'invalid syntax');
  const cutoff = 1n << BigInt(bits - 1);
  if (u === 'range' || (!neg && u >= cutoff) || (neg && u > cutoff)) throw new GoNumError(fn, s, 'value out of range');
  return int64Value(neg ? -u : u);
}

/** Go's strconv.ParseUint(s, base, bits) (as goParseInt, no sign). Throws GoNumError. */
export function goParseUint(s: string, base: number, bits: number): Int64 {
  const u = parseUint(s, base, bits);
  if (typeof u !== 'bigint') throw new GoNumError('ParseUint', s, u === 'syntax' ? 'invalid syntax' : 'value out of range');
  return int64Value(u);
}

/** Go's strconv.ParseInt(s, 10, 64). */
export function goParseInt64(s: string): Int64 {
  return goParseInt(s, 10, 64);
}

/**
 * Go's strconv.Atoi on amd64 (an int is 64 bits): ParseInt(s, 10, 0) with `Atoi` in its texts,
 * `strconv.Atoi: parsing "x": invalid syntax` / `... value out of range`. Callers that wrap it
 * (`invalid limit specified: …`) catch and prefix the message.
 */
export function goAtoi(s: string): Int64 {
  return goParseInt(s, 10, 64, 'Atoi');
}

/** Go's underscoreOK: `_` only between digits, or between a base prefix and a digit. */
function underscoreOk(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'bBoOxX'.includes(s[1]!)) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** strconv.ParseUint(s, base, bits): the value, or 'syntax' / 'range'. */
function parseUint(s: string, base0: number, bits: number): bigint | 'syntax' | 'range' {
  if (s === '') return 'syntax';
  const s0 = s;
  let base = base0;
  if (base === 0) {
    base = 10;
    if (s[0] === '0') {
      const p = s.length >= 3 ? s[1]!.toLowerCase() : '';
      if (p === 'b') [base, s] = [2, s.slice(2)];
      else if (p === 'o') [base, s] = [8, s.slice(2)];
      else if (p === 'x') [base, s] = [16, s.slice(2)];
      else [base, s] = [8, s.slice(1)];
    }
  }
  const max = (1n << BigInt(bits)) - 1n;
  const b = BigInt(base);
  let n = 0n;
  let underscores = false;
  for (const c of s) {
    let d: number;
    if (c === '_' && base0 === 0) {
      underscores = true;
      continue;
    }
    const lc = c.toLowerCase();
    if (c >= '0' && c <= '9') d = c.charCodeAt(0) - 48;
    else if (lc >= 'a' && lc <= 'z' && lc.length === 1) d = lc.charCodeAt(0) - 97 + 10;
    else return 'syntax';
    if (d >= base) return 'syntax';
    n = n * b + BigInt(d);
    if (n > max) return 'range';
  }
  if (underscores && !underscoreOk(s0)) return 'syntax';
  return n;
}
