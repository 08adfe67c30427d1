import { InvalidArgumentError } from '@berth/errdefs';

/** Decimal units, as docker's go-units HumanSize uses. */
const DECIMAL = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
/** Binary units (`MiB`), as go-units BytesSize uses (stats, info's Total Memory). */
const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

/** Go's `%.<p>g`: `toPrecision`, trailing zeros dropped, exponent as `e+03`. */
export function formatG(x: number, precision: number): string {
  const s = x.toPrecision(precision);
  const e = s.indexOf('e');
  if (e < 0) return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
  let mant = s.slice(0, e);
  if (mant.includes('.')) mant = mant.replace(/\.?0+$/, '');
  const exp = Number(s.slice(e + 1));
  const abs = Math.abs(exp);
  return `${mant}e${exp < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
}

function custom(size: number, base: number, units: string[], precision: number): string {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return `${formatG(size, precision)}${units[i]}`;
}

/** `units.HumanSizeWithPrecision`: 1982368 -> `1.98MB` with precision 3 (images, ps, history). */
export function humanSize(bytes: number, precision = 3): string {
  return custom(bytes, 1000, DECIMAL, precision);
}

/** `units.BytesSize`: binary units, 4 significant digits (`23.54GiB`). */
export function bytesSize(bytes: number): string {
  return custom(bytes, 1024, BINARY, 4);
}

/** `strconv.ParseFloat(s, 64)`'s decimal and hexadecimal (`0x1p4`) forms, with its errors. */
function parseGoFloat(s: string): number {
  const fail = (why: string) => new InvalidArgumentError(`strconv.ParseFloat: parsing ${JSON.stringify(s)}: ${why}`);
  let x: number;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) x = Number(s);
  else {
    const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(s);
    if (!hex || hex[2]! + hex[3]! === '') throw fail('invalid syntax');
    const digits = hex[2]! + hex[3]!;
    x = (hex[1] === '-' ? -1 : 1) * parseInt(digits, 16) * 2 ** (Number(hex[4]) - 4 * hex[3]!.length);
  }
  if (!Number.isFinite(x)) throw fail('value out of range');
  return x;
}

/**
 * go-units' size parser: `64m`, `1.5 GiB`, `512`, `10kb`; `base` 1024 is `RAMInBytes`, 1000
 * `FromHumanSize`. Two grammars, as two dockers run it:
 * - `v0.5` (docker CLI 28): the number is everything up to the last digit, dot or space; a
 *   suffix `b`, or k/m/g/t/p with an optional `b` or `ib`, any case. Errors: `invalid size: 'S'`
 *   (no digit, negative), `invalid suffix: 'x'` (lower-cased, but as given when longer than 3),
 *   strconv's for a bad number.
 * - `v0.4` (vendored by Docker 20.10's daemon): one pattern, `^(\d+(\.\d+)*) ?([kmgtp])?i?b?$`
 *   (any case); anything else is `invalid size: 'S'`, strconv's for `1.2.3`.
 * The result is truncated toward zero, as Go's `int64(size)`.
 */
export function parseHumanSize(s: string, base: 1000 | 1024, grammar: 'v0.4' | 'v0.5' = 'v0.5'): number {
  const unit = (prefix: string) => ({ k: 1, m: 2, g: 3, t: 4, p: 5 } as Record<string, number>)[prefix.toLowerCase()];
  if (grammar === 'v0.4') {
    const m = /^(\d+(\.\d+)*) ?([kmgtp])?i?b?$/i.exec(s);
    if (!m) throw new InvalidArgumentError(`invalid size: '${s}'`);
    const size = parseGoFloat(m[1]!);
    return Math.trunc(m[3] ? size * base ** unit(m[3])! : size);
  }
  let sep = -1;
  for (let i = s.length - 1; i >= 0; i--) {
    if ('0123456789. '.includes(s[i]!)) {
      sep = i;
      break;
    }
  }
  if (sep === -1) throw new InvalidArgumentError(`invalid size: '${s}'`);
  const size = parseGoFloat(s[sep] === ' ' ? s.slice(0, sep) : s.slice(0, sep + 1));
  if (size < 0) throw new InvalidArgumentError(`invalid size: '${s}'`);
  const raw = s.slice(sep + 1);
  // a suffix longer than 3 is refused before it is lower-cased (its error quotes it as given)
  if (raw.length > 3) throw new InvalidArgumentError(`invalid suffix: '${raw}'`);
  const sfx = raw.toLowerCase();
  if (sfx === '' || sfx === 'b') return Math.trunc(size);
  const power = unit(sfx[0]!);
  if (power === undefined || (sfx.length === 2 && sfx[1] !== 'b') || (sfx.length === 3 && sfx.slice(1) !== 'ib')) {
    throw new InvalidArgumentError(`invalid suffix: '${sfx}'`);
  }
  return Math.trunc(size * base ** power);
}

/** go-units' `RAMInBytes` as docker CLI 28 parses it (`--memory 64m` → 67108864). */
export function ramInBytes(s: string): number {
  return parseHumanSize(s, 1024);
}
