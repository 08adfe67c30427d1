import { isInt64 } from '@berth/api';

/**
 * Go's `new(big.Rat).SetString(s)`: a fraction `a/b` (each an integer literal with Go's base
 * prefixes; `0` alone is octal there) or a floating-point literal (`1.5`, `.5`, `1e-3`, `0x1p-2`,
 * `1_000`; a leading `0` is decimal), exactly, as a numerator and a positive denominator (not
 * reduced). undefined where Go's SetString fails. Written from math/big's documented grammar and
 * checked against Go's own results (the docker CLI parses `--cpus` with it).
 */
export interface GoRat {
  num: bigint;
  den: bigint;
}

/** A reader over `s`, one byte at a time (Go's io.ByteScanner). */
class Scanner {
  pos = 0;
  constructor(readonly s: string) {}
  read(): string | undefined {
    return this.pos < this.s.length ? this.s[this.pos++] : (this.pos++, undefined);
  }
  unread(): void {
    this.pos--;
  }
  get done(): boolean {
    return this.pos >= this.s.length;
  }
}

function digitValue(ch: string): number {
  if (ch >= '0' && ch <= '9') return ch.charCodeAt(0) - 48;
  if (ch >= 'a' && ch <= 'z') return ch.charCodeAt(0) - 87;
  if (ch >= 'A' && ch <= 'Z') return ch.charCodeAt(0) - 55;
  return 99;
}

/**
 * math/big's nat.scan with base 0: an unsigned literal's value, its base and (with `fracOk`) the
 * count of digits after the radix point as a negative number; undefined on no digits or a
 * misplaced `_`.
 */
function scanNat(r: Scanner, fracOk: boolean): { value: bigint; base: number; fcount: number } | undefined {
  let prev = '.';
  let invalSep = false;
  let ch = r.read();
  let base = 10;
  let prefix = '';
  let count = 0;
  if (ch === '0') {
    prev = '0';
    count = 1;
    ch = r.read();
    if (ch !== undefined) {
      if (ch === 'b' || ch === 'B') [base, prefix] = [2, 'b'];
      else if (ch === 'o' || ch === 'O') [base, prefix] = [8, 'o'];
      else if (ch === 'x' || ch === 'X') [base, prefix] = [16, 'x'];
      else if (!fracOk) [base, prefix] = [8, '0'];
      if (prefix) {
        count = 0;
        if (prefix !== '0') ch = r.read();
      }
    }
  }
  let value = 0n;
  let dp = -1;
  for (; ch !== undefined; ch = r.read()) {
    if (ch === '.' && fracOk && dp < 0) {
      if (prev === '_') invalSep = true;
      dp = count;
      prev = '.';
    } else if (ch === '_') {
      if (prev !== '0') invalSep = true;
      prev = '_';
    } else {
      const d = digitValue(ch);
      if (d >= base) {
        r.unread();
        break;
      }
      prev = '0';
      count++;
      value = value * BigInt(base) + BigInt(d);
    }
  }
  if (invalSep || prev === '_') return undefined;
  if (count === 0) {
    // only the octal prefix 0: decimal 0
    if (prefix === '0') return { value: 0n, base: 10, fcount: 0 };
    return undefined;
  }
  return { value, base, fcount: dp >= 0 ? dp - count : 0 };
}

/** math/big's scanExponent: `e`/`E` (base 10) or `p`/`P` (base 2), a sign, decimal digits with `_`. */
function scanExponent(r: Scanner): { exp: bigint; base: number } | undefined {
  const ch0 = r.read();
  if (ch0 === undefined) return { exp: 0n, base: 10 };
  let base: number;
  if (ch0 === 'e' || ch0 === 'E') base = 10;
  else if (ch0 === 'p' || ch0 === 'P') base = 2;
  else {
    r.unread();
    return { exp: 0n, base: 10 };
  }
  let digits = '';
  let ch = r.read();
  if (ch === '+' || ch === '-') {
    if (ch === '-') digits = '-';
    ch = r.read();
  }
  let prev = '.';
  let invalSep = false;
  let has = false;
  for (; ch !== undefined; ch = r.read()) {
    if (ch >= '0' && ch <= '9') {
      digits += ch;
      prev = '0';
      has = true;
    } else if (ch === '_') {
      if (prev !== '0') invalSep = true;
      prev = '_';
    } else {
      r.unread();
      break;
    }
  }
  if (!has) return undefined;
  const exp = BigInt(digits);
  // strconv.ParseInt's range
  if (!isInt64(exp)) return undefined;
  if (invalSep || prev === '_') return undefined;
  return { exp, base };
}

/** An optional sign; undefined on an empty input (Go's scanSign fails at EOF). */
function scanSign(r: Scanner): boolean | undefined {
  const ch = r.read();
  if (ch === undefined) return undefined;
  if (ch === '-') return true;
  if (ch !== '+') r.unread();
  return false;
}

export function parseGoRat(s: string): GoRat | undefined {
  if (s === '') return undefined;
  const sep = s.indexOf('/');
  if (sep >= 0) {
    // the numerator as Int.SetString(_, 0), the denominator an unsigned literal, not zero
    const a = new Scanner(s.slice(0, sep));
    const neg = scanSign(a);
    if (neg === undefined) return undefined;
    const n = scanNat(a, false);
    if (!n || !a.done) return undefined;
    const b = new Scanner(s.slice(sep + 1));
    const d = scanNat(b, false);
    if (!d || !b.done || d.value === 0n) return undefined;
    return { num: neg ? -n.value : n.value, den: d.value };
  }
  const r = new Scanner(s);
  const neg = scanSign(r);
  if (neg === undefined) return undefined;
  const m = scanNat(r, true);
  if (!m) return undefined;
  const e = scanExponent(r);
  if (!e || !r.done) return undefined;
  if (m.value === 0n) return { num: 0n, den: 1n };
  // the radix point divides by base^-fcount, the exponent multiplies by ebase^exp; 10 = 2 * 5
  let exp2 = 0n;
  let exp5 = 0n;
  if (m.fcount < 0) {
    const d = BigInt(m.fcount);
    if (m.base === 10) exp5 = d;
    exp2 = m.base === 8 ? d * 3n : m.base === 16 ? d * 4n : d;
  }
  if (e.base === 10) exp5 += e.exp;
  exp2 += e.exp;
  let num = m.value;
  let den = 1n;
  if (exp5 !== 0n) {
    const n = exp5 < 0n ? -exp5 : exp5;
    // math/big refuses excessively large exponents
    if (n > 1_000_000n) return undefined;
    const pow5 = 5n ** n;
    if (exp5 > 0n) num *= pow5;
    else den = pow5;
  }
  if (exp2 < -10_000_000n || exp2 > 10_000_000n) return undefined;
  if (exp2 > 0n) num <<= exp2;
  else if (exp2 < 0n) den <<= -exp2;
  return { num: neg ? -num : num, den };
}
