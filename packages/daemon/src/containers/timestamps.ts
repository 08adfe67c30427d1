/** Go's RFC3339Nano (the one rule, in @berth/oci: UTC unless `{ local: true }`). */
export { rfc3339Nano } from '@berth/oci';

/** Unix seconds of an RFC3339(Nano) time (docker's `Created` in lists). */
export function unixSeconds(t: string): number {
  return Math.floor(Date.parse(t) / 1000);
}

/**
 * A time argument as docker accepts it in `since`/`until`/filters: unix seconds with an optional
 * fraction (`1795853721`, `1795853721.123`), RFC3339, or a Go duration relative to now (`10m`).
 * Returns milliseconds since the epoch, undefined for an empty value.
 */
export function parseTimeArg(v: string | number | undefined, now: Date): number | undefined {
  if (v === undefined || v === '') return undefined;
  // beyond what a Date holds (Go's ParseInt of the seconds fails first): NaN, a 400 for the caller,
  // not an invalid Date thrown later (`logs?since=99999999999999999999` answered 200 and an error in the stream)
  const inRange = (ms: number): number => (Math.abs(ms) <= 8.64e15 ? ms : NaN);
  if (typeof v === 'number') return inRange(v * 1000);
  const s = v.trim();
  if (/^-?\d+(\.\d+)?$/.test(s)) return inRange(Number(s) * 1000);
  const dur = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$/.exec(s);
  if (dur) {
    const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
    return now.getTime() - Number(dur[1]) * unit[dur[2]!]!;
  }
  const t = Date.parse(s);
  if (Number.isNaN(t)) return NaN;
  return t;
}
