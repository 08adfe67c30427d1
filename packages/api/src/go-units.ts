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
