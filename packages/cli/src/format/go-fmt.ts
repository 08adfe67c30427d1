import { int64Value } from '@berth/api';
import { goTypeOfValue, mapTypes, structFields } from './docker-types';
import { goQuote } from './go-text';
import { goTimeText } from './go-time-methods';
import { GoDuration, GoFloat, GoNamedInt, GoTime, JsonNumber, NIL_POINTER, NO_VALUE, floatOf, goTypeName, isGoFloat, isGoInt, isMap, isNil } from './go-value';

/**
 * Go's fmt for the values of `--format` templates (go-value.ts): `Sprintf` (`printf`), `Sprint`
 * (`print`, and how an action prints its value), `Sprintln`. Verbs v s q d x X o O b c U e E f F
 * g G t T and %%; flags `+ - # 0 space`, width and precision (also `*`), argument indexes
 * `%[2]s`; Go's error forms `%!d(string=x)`, `%!s(MISSING)`, `%!(EXTRA int=1)`, `%!(NOVERB)`,
 * `%!(BADINDEX)`, `%!(BADWIDTH)`, `%!(BADPREC)`. Slices and maps format element by element.
 */
interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  zero: boolean;
  space: boolean;
  width?: number;
  prec?: number;
}

const PLAIN: Flags = { plus: false, minus: false, sharp: false, zero: false, space: false };

function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function pad(s: string, f: Flags, zeroOk = false, signed = false): string {
  const w = f.width ?? 0;
  const n = runeCount(s);
  if (n >= w) return s;
  if (f.minus) return s + ' '.repeat(w - n);
  if (f.zero && zeroOk) {
    const sign = signed && /^[+\- ]/.test(s) ? s[0]! : '';
    return sign + '0'.repeat(w - n) + s.slice(sign.length);
  }
  return ' '.repeat(w - n) + s;
}

/** Go's shortest float text (`strconv.FormatFloat(f, 'g', -1, 64)`, fmt's %v): %e below 1e-4 and from 1e6 (docker 28: `{{1e6}}` is `1e+06`). */
function shortestFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const e = x.toExponential(); // shortest digits
  const [mant, expText] = e.split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(x);
}

function expForm(x: number, prec: number, upper: boolean): string {
  const [mant, expText] = x.toExponential(prec).split('e') as [string, string];
  const exp = Number(expText);
  const s = `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return upper ? s.toUpperCase() : s;
}

function fmtFloat(x: number, verb: string, f: Flags): string {
  let s: string;
  if (!Number.isFinite(x)) s = Number.isNaN(x) ? 'NaN' : x > 0 ? '+Inf' : '-Inf';
  else if (verb === 'e' || verb === 'E') s = expForm(x, f.prec ?? 6, verb === 'E');
  else if (verb === 'f' || verb === 'F') s = x.toFixed(f.prec ?? 6);
  else if (f.prec === undefined) s = shortestFloat(x);
  else {
    // %g with a precision: %e when the exponent is < -4 or >= the precision; no trailing zeros
    const p = f.prec === 0 ? 1 : f.prec;
    const exp = x === 0 ? 0 : Number(x.toExponential(p - 1).split('e')[1]);
    if (exp < -4 || exp >= p) s = expForm(x, p - 1, verb === 'G').replace(/\.?0+e/, 'e');
    else s = x.toPrecision(p).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  }
  if (verb === 'G') s = s.toUpperCase();
  if (x >= 0 && !s.startsWith('+')) s = (f.plus ? '+' : f.space ? ' ' : '') + s;
  else if (s === '+Inf' && !f.plus) s = f.space ? ' Inf' : 'Inf';
  return pad(s, f, Number.isFinite(x), true);
}

function fmtInt(big: number | bigint, verb: string, f: Flags): string | undefined {
  const neg = big < 0;
  const abs = typeof big === 'bigint' ? (neg ? -big : big) : BigInt(Math.abs(big));
  const n = Number(big);
  let digits: string;
  let prefix = '';
  switch (verb) {
    case 'v':
    case 'd':
      digits = abs.toString(10);
      break;
    case 'b':
      digits = abs.toString(2);
      if (f.sharp) prefix = '0b';
      break;
    case 'o':
    case 'O':
      digits = abs.toString(8);
      if (verb === 'O') prefix = '0o';
      else if (f.sharp && digits !== '0') prefix = '0';
      break;
    case 'x':
    case 'X':
      digits = abs.toString(16);
      if (verb === 'X') digits = digits.toUpperCase();
      if (f.sharp) prefix = verb === 'x' ? '0x' : '0X';
      break;
    case 'c':
      return pad(String.fromCodePoint(n), f);
    case 'q':
      return pad(`'${String.fromCodePoint(n).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`, f);
    case 'U': {
      const s = `U+${n.toString(16).toUpperCase().padStart(4, '0')}`;
      return pad(f.sharp ? `${s} '${String.fromCodePoint(n)}'` : s, f);
    }
    default:
      return undefined;
  }
  if (f.prec !== undefined) digits = f.prec === 0 && abs === 0n ? '' : digits.padStart(f.prec, '0');
  const sign = neg ? '-' : f.plus ? '+' : f.space ? ' ' : '';
  const s = sign + prefix + digits;
  if (f.zero && !f.minus && f.prec === undefined && f.width !== undefined && runeCount(s) < f.width) {
    return sign + prefix + '0'.repeat(f.width - runeCount(s)) + digits;
  }
  return pad(s, f);
}

function hexOf(s: string, upper: boolean, f: Flags): string {
  const bytes = [...Buffer.from(s, 'utf8')];
  const parts = bytes.map((b) => {
    const h = b.toString(16).padStart(2, '0');
    return upper ? h.toUpperCase() : h;
  });
  const px = f.sharp ? (upper ? '0X' : '0x') : '';
  if (f.space) return parts.map((p) => px + p).join(' ');
  return px + parts.join('');
}

function fmtString(s: string, verb: string, f: Flags): string | undefined {
  if (f.prec !== undefined && (verb === 's' || verb === 'v' || verb === 'q' || verb === 'x' || verb === 'X')) s = [...s].slice(0, f.prec).join('');
  switch (verb) {
    case 'v':
      return pad(f.sharp ? goQuote(s) : s, f, true);
    case 's':
      return pad(s, f, true);
    case 'q':
      // %#q: backquoted when the text can be (no backquote, no control character but tab)
      if (f.sharp && ![...s].some((c) => c === '`' || c === '\x7f' || (c < ' ' && c !== '\t'))) return pad('`' + s + '`', f);
      return pad(f.plus ? [...goQuote(s)].map((c) => (c > '\x7f' ? unicodeEscape(c) : c)).join('') : goQuote(s), f);
    case 'x':
    case 'X':
      return pad(hexOf(s, verb === 'X', f), f);
    default:
      return undefined;
  }
}

function unicodeEscape(c: string): string {
  const n = c.codePointAt(0)!;
  return n > 0xffff ? `\\U${n.toString(16).padStart(8, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/** One operand under one verb; undefined when the verb does not apply to it (a bad verb). */
function fmtValue(v: unknown, verb: string, f: Flags, top: boolean): string | undefined {
  if (verb === 'T') return pad(goTypeName(v), f);
  // docker's inspect data, decoded into its Go types: printed as fmt prints those (%v and %+v)
  if (v instanceof GoTime) return verb === 'v' || verb === 's' ? pad(goTimeText(v.iso, v.loc), f, true) : verb === 'q' ? pad(goQuote(goTimeText(v.iso, v.loc)), f) : undefined;
  if (v instanceof GoNamedInt) return verb === 'v' || verb === 's' ? pad(v.name, f, true) : verb === 'q' ? pad(goQuote(v.name), f) : fmtInt(v.value, verb, f);
  if (v instanceof GoDuration) return verb === 'v' || verb === 's' ? pad(goDurationText(v.ns), f, true) : verb === 'q' ? pad(goQuote(goDurationText(v.ns)), f) : fmtInt(int64Value(v.ns), verb, f);
  if (verb === 'v' && !f.sharp && v !== null && typeof v === 'object') {
    const t = goTypeOfValue(v);
    if (t !== undefined) return pad(fmtTyped(v, t, 0, f.plus), f);
  }
  if (v === NIL_POINTER) return verb === 'v' || verb === 'p' ? pad('<nil>', f) : undefined;
  if (isNil(v)) return verb === 'v' ? pad(top ? '<nil>' : '<nil>', f) : undefined;
  if (typeof v === 'string') return fmtString(v, verb, f);
  if (v instanceof JsonNumber) return fmtString(v.text, verb, f);
  if (typeof v === 'boolean') return verb === 'v' || verb === 't' ? pad(String(v), f) : undefined;
  if (isGoInt(v) || typeof v === 'bigint') return fmtInt(v, verb, f);
  if (isGoFloat(v)) return 'eEfFgGvxX'.includes(verb) && verb !== 'x' && verb !== 'X' ? fmtFloat(floatOf(v), verb, f) : undefined;
  if (Array.isArray(v)) return `[${v.map((x) => fmtElem(x, verb, f)).join(' ')}]`;
  if (isMap(v)) {
    const o = v;
    return `map[${Object.keys(o)
      .sort()
      .map((k) => `${fmtElem(k, verb, f)}:${fmtElem(o[k], verb, f)}`)
      .join(' ')}]`;
  }
  if (typeof v === 'object') {
    // a struct: its fields in order, `{a b}` (`%+v`: `{A:a B:b}`)
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .map((k) => (f.plus ? `${k}:` : '') + fmtElem(o[k], verb, f))
      .join(' ')}}`;
  }
  return pad(String(v), f);
}

/** An element inside a slice or map: a bad verb reads `%!d(string=x)` in place. */
function fmtElem(v: unknown, verb: string, f: Flags): string {
  return fmtValue(v, verb, f, false) ?? badVerb(v, verb, f);
}

function badVerb(v: unknown, verb: string, f: Flags, type?: string): string {
  if (isNil(v)) return `%!${verb}(<nil>)`;
  return `%!${verb}(${type ?? goTypeName(v)}=${fmtValue(v, 'v', { ...f, plus: false, sharp: false }, false) ?? ''})`;
}

/** `fmt.Sprint`: operands side by side, a space between two when neither is a string. */
export function goSprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += fmtElem(a, 'v', PLAIN);
  });
  return out;
}

/** `fmt.Sprintln`: operands with spaces between, and a newline. */
export function goSprintln(args: unknown[]): string {
  return args.map((a) => fmtElem(a, 'v', PLAIN)).join(' ') + '\n';
}

/**
 * `fmt.Sprintf` with Go's verbs, flags and error forms. `types`: an operand's Go type where the
 * JS value cannot tell it (an `int64` field), for `%T` and the error forms.
 */
export function goSprintf(format: string, args: unknown[], types: (string | undefined)[] = []): string {
  let out = '';
  let argNum = 0;
  let reordered = false;
  let goodArgNum: boolean;
  const chars = [...format];
  let i = 0;
  // `[n]`: an explicit argument index (1-based); sets goodArgNum false when bad
  const argIndex = (): void => {
    if (chars[i] !== '[') return;
    reordered = true;
    const close = chars.indexOf(']', i);
    const n = close < 0 ? NaN : Number(chars.slice(i + 1, close).join(''));
    if (close < 0 || !/^\d+$/.test(chars.slice(i + 1, close).join('')) || n < 1 || n > args.length) {
      goodArgNum = false;
      i = close < 0 ? chars.length : close + 1;
      return;
    }
    argNum = n - 1;
    i = close + 1;
  };
  const num = (): number | undefined => {
    let s = '';
    while (i < chars.length && /\d/.test(chars[i]!)) s += chars[i++];
    return s === '' ? undefined : Number(s);
  };
  while (i < chars.length) {
    const c = chars[i]!;
    if (c !== '%') {
      out += c;
      i++;
      continue;
    }
    i++;
    const f: Flags = { ...PLAIN };
    for (; i < chars.length; i++) {
      const ch = chars[i];
      if (ch === '+') f.plus = true;
      else if (ch === '-') f.minus = true;
      else if (ch === '#') f.sharp = true;
      else if (ch === '0') f.zero = true;
      else if (ch === ' ') f.space = true;
      else break;
    }
    goodArgNum = true;
    argIndex();
    let badWidth = false;
    if (chars[i] === '*') {
      i++;
      const a = args[argNum];
      if (argNum < args.length && isGoInt(a)) {
        f.width = a;
        if (a < 0) {
          f.minus = true;
          f.width = -a;
        }
      } else badWidth = true;
      argNum++;
    } else f.width = num();
    if (badWidth) out += '%!(BADWIDTH)';
    let badPrec = false;
    if (chars[i] === '.') {
      i++;
      argIndex();
      if (chars[i] === '*') {
        i++;
        const a = args[argNum];
        if (argNum < args.length && isGoInt(a) && a >= 0) f.prec = a;
        else badPrec = true;
        argNum++;
      } else f.prec = num() ?? 0;
    }
    if (badPrec) out += '%!(BADPREC)';
    argIndex();
    if (i >= chars.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = chars[i++]!;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (!goodArgNum) {
      out += `%!${verb}(BADINDEX)`;
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const type = types[argNum];
    const v = args[argNum++];
    if (verb === 'T' && type !== undefined) {
      out += pad(type, f);
      continue;
    }
    if (verb === 'w') {
      out += badVerb(v, verb, f, type);
      continue;
    }
    out += fmtValue(v, verb, f, true) ?? badVerb(v, verb, f, type);
  }
  if (!reordered && argNum < args.length) {
    out += `%!(EXTRA ${args
      .slice(argNum)
      .map((a, j) => (isNil(a) && !(a === NIL_POINTER && types[argNum + j]) ? '<nil>' : `${types[argNum + j] ?? goTypeName(a)}=${fmtElem(a, 'v', PLAIN)}`))
      .join(', ')})`;
  }
  return out;
}

/** How an action prints its value (`{{.X}}`): Go's `%v`, except a missing value is `<no value>`. */
export function goPrintValue(v: unknown): string {
  if (v === NO_VALUE || v === undefined || v === null) return '<no value>';
  // text/template prints what a pointer points to (printableValue's indirect)
  const t = typeof v === 'object' ? goTypeOfValue(v) : undefined;
  if (t !== undefined) return fmtTyped(v, t.replace(/^\*/, ''), 0, false);
  if (v instanceof GoFloat) return shortestFloat(v.value);
  return fmtElem(v, 'v', PLAIN);
}

/** Go's `%v` (`%+v` with `plus`) of a value of Go type `type` (docker-types.ts' notation), decoded from JSON `v` (missing: the zero value). */
function fmtTyped(v: unknown, type: string, depth: number, plus: boolean): string {
  if (type.startsWith('*')) {
    if (v === null || v === undefined) return '<nil>';
    const inner = type.slice(1);
    const str = POINTER_STRINGERS[inner];
    if (depth > 0) return str ? str(v as Record<string, unknown>) : '0xc000000000'; // fmt prints a nested pointer's address
    return `&${fmtTyped(v, inner, depth, plus)}`;
  }
  const slice = /^\[(\d*)\](.*)$/.exec(type);
  if (slice) {
    const items = Array.isArray(v) ? [...v] : [];
    if (slice[1]) while (items.length < Number(slice[1])) items.push(undefined);
    return `[${items.map((x) => fmtTyped(x, slice[2]!, depth + 1, plus)).join(' ')}]`;
  }
  if (type.startsWith('map[')) {
    const [, val] = mapTypes(type);
    const o = v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
    return `map[${Object.keys(o)
      .sort()
      .map((k) => `${k}:${fmtTyped(o[k], val, depth + 1, plus)}`)
      .join(' ')}]`;
  }
  switch (type) {
    case 'string':
      return typeof v === 'string' ? v : '';
    case 'bool':
      return String(v === true);
    case 'float32':
    case 'float64':
      return fmtFloat(typeof v === 'number' ? v : 0, 'v', PLAIN);
    case 'struct{}':
      return '{}';
    case 'time.Time':
      return goTimeText(typeof v === 'string' ? v : '');
    case 'time.Duration':
      return goDurationText(typeof v === 'number' || typeof v === 'bigint' ? Number(v) : 0);
    case 'any':
      return v === null || v === undefined ? '<nil>' : fmtElem(v, 'v', plus ? { ...PLAIN, plus } : PLAIN);
  }
  if (/^u?int(8|16|32|64)?$/.test(type)) return typeof v === 'number' || typeof v === 'bigint' ? String(v) : '0';
  const fields = structFields(type);
  if (!fields) return fmtElem(v, 'v', PLAIN);
  const o = v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  return `{${fields.map((fd) => (plus ? `${fd.name}:` : '') + fmtTyped(fd.embedded ? o : o[fd.json], fd.type, depth + 1, plus)).join(' ')}}`;
}

/** String methods on pointer receivers, which fmt calls for a nested pointer (`Ulimits`, blkio devices). */
const POINTER_STRINGERS: Record<string, (o: Record<string, unknown>) => string> = {
  'units.Ulimit': (u) => `${u.Name ?? ''}=${u.Soft ?? 0}:${u.Hard ?? 0}`,
  'blkiodev.WeightDevice': (w) => `${w.Path ?? ''}:${w.Weight ?? 0}`,
  'blkiodev.ThrottleDevice': (t) => `${t.Path ?? ''}:${t.Rate ?? 0}`,
};

/** time.Duration's String (`1m30s`, `1.5ms`, `0s`). */
export function goDurationText(ns: number | bigint): string {
  if (ns === 0 || ns === 0n) return '0s';
  const sign = ns < 0 ? '-' : '';
  let u = typeof ns === 'bigint' ? (ns < 0n ? -ns : ns) : BigInt(Math.abs(Math.trunc(ns)));
  const withFrac = (whole: bigint, frac: bigint, digits: number) => {
    const f = frac === 0n ? '' : `.${frac.toString().padStart(digits, '0').replace(/0+$/, '')}`;
    return `${whole}${f}`;
  };
  if (u < 1000n) return `${sign}${u}ns`;
  if (u < 1000000n) return `${sign}${withFrac(u / 1000n, u % 1000n, 3)}µs`;
  if (u < 1000000000n) return `${sign}${withFrac(u / 1000000n, u % 1000000n, 6)}ms`;
  const h = u / 3600000000000n;
  u -= h * 3600000000000n;
  const m = u / 60000000000n;
  u -= m * 60000000000n;
  return `${sign}${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${withFrac(u / 1000000000n, u % 1000000000n, 9)}s`;
}
