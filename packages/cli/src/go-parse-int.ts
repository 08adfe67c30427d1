import type { Int64 } from '@berth/api';
import { int64Value } from '@berth/api';
import { goQuote } from './format/go-text';

/** The Go integer types behind pflag's int flags (int is 64 bits, as on amd64 and arm64). */
export type GoIntType = 'int' | 'int64' | 'uint16' | 'uint64';

const BITS: Record<GoIntType, { bits: number; signed: boolean }> = {
  int: { bits: 64, signed: true },
  int64: { bits: 64, signed: true },
  uint16: { bits: 16, signed: false },
  uint64: { bits: 64, signed: false },
};

/** strconv's NumError text: `strconv.ParseInt: parsing "x": invalid syntax`. */
export class GoNumError extends Error {
  constructor(fn: 'ParseInt' | 'ParseUint', num: string, why: 'invalid syntax' | 'value out of range') {
    super(`strconv.${fn}: parsing ${goQuote(num)}: ${why}`);
    this.name = 'GoNumError';
  }
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

/** strconv.ParseUint(s, 0, bits): the value, or 'syntax' / 'range' (Go's order of checks: the first bad digit or overflow wins). */
function parseUint(s: string, bits: number): bigint | 'syntax' | 'range' {
  if (s === '') return 'syntax';
  const s0 = s;
  let base = 10;
  if (s[0] === '0') {
    const p = s.length >= 3 ? s[1]!.toLowerCase() : '';
    if (p === 'b') [base, s] = [2, s.slice(2)];
    else if (p === 'o') [base, s] = [8, s.slice(2)];
    else if (p === 'x') [base, s] = [16, s.slice(2)];
    else [base, s] = [8, s.slice(1)];
  }
  const max = (1n << BigInt(bits)) - 1n;
  const b = BigInt(base);
  let n = 0n;
  let underscores = false;
  for (const c of s) {
    let d: number;
    if (c === '_') {
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

/**
 * Go's strconv.ParseInt(s, 0, 64) / ParseUint(s, 0, bits) as pflag's int, int64, uint16 and uint64
 * flags call them: base 0 (`0x10`, `0o17`, `017`, `0b11`, `1_000`), an optional sign for the
 * signed types. Throws GoNumError with strconv's text.
 */
export function parseGoInt(s: string, type: GoIntType): Int64 {
  const { bits, signed } = BITS[type];
  if (!signed) {
    const u = parseUint(s, bits);
    if (typeof u !== 'bigint') throw new GoNumError('ParseUint', s, u === 'syntax' ? 'invalid syntax' : 'value out of range');
    return int64Value(u);
  }
  if (s === '') throw new GoNumError('ParseInt', s, 'invalid syntax');
  const neg = s[0] === '-';
  const u = parseUint(s[0] === '+' || neg ? s.slice(1) : s, 64);
  if (u === 'syntax') throw new GoNumError('ParseInt', s, 'invalid syntax');
  const cutoff = 1n << BigInt(bits - 1);
  if (u === 'range' || (!neg && u >= cutoff) || (neg && u > cutoff)) throw new GoNumError('ParseInt', s, 'value out of range');
  return int64Value(neg ? -u : u);
}
