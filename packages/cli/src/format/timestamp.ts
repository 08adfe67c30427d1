import { InvalidArgumentError } from '@berth/errdefs';

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };

/** A Go duration (`1s`, `1m30s`, `2h`) in ms, or undefined if `s` is not one. */
export function parseGoDuration(s: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  if (!/^(\d+(?:\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(re)) total += Number(m[1]) * UNITS[m[2]!]!;
  return total;
}

/**
 * docker's GetTimestamp for `--since`/`--until`: a duration is relative to now (`1s` → now-1s),
 * a unix time passes as is, RFC 3339 dates become unix seconds (with nanoseconds if given).
 * A bad value is docker's error, named after `field` when given (logs: `invalid value for
 * "until": ...`; events says it bare).
 */
export function parseTimestamp(value: string, nowMs: number, field?: string): string {
  const d = parseGoDuration(value);
  if (d !== undefined) {
    const t = nowMs - d;
    return String(Math.trunc(t / 1000));
  }
  if (/^\d+(\.\d{1,9})?$/.test(value)) return value;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(ms)) throw new InvalidArgumentError(`${field ? `invalid value for "${field}": ` : ''}failed to parse value as time or duration: "${value}"`);
  const frac = /\.(\d{1,9})/.exec(value);
  const secs = Math.floor(ms / 1000);
  return frac ? `${secs}.${frac[1]!.padEnd(9, '0')}` : String(secs);
}
