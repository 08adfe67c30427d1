import { int64Value } from '@berth/api';
import { GoTime, type GoMethod } from './go-value';

/**
 * time.Time's methods a template can call on a typed inspect field (`{{.Created.Year}}` of a
 * network, `{{.Metadata.LastTagTime.Unix}}` of an image), computed from the RFC 3339 text in the
 * time's own offset, as Go keeps the location it parsed. Month and Weekday give their String
 * (`December`, `Monday`); Unix* are int64s. Not here: Format and the other methods with arguments
 * or a time.Time result other than UTC.
 */
export function goTimeMethods(t: GoTime): Record<string, GoMethod> | undefined {
  const p = partsOf(t.iso);
  const m = (fn: () => unknown): GoMethod => ({ params: [], fn });
  const secs = unixSeconds(p);
  return {
    Year: m(() => p.year),
    Month: m(() => MONTHS[p.month - 1]),
    Day: m(() => p.day),
    Hour: m(() => p.hour),
    Minute: m(() => p.minute),
    Second: m(() => p.second),
    Nanosecond: m(() => p.nanos),
    YearDay: m(() => daysFromCivil(p.year, p.month, p.day) - daysFromCivil(p.year, 1, 1) + 1),
    Weekday: m(() => WEEKDAYS[Number((((daysFromCivil(p.year, p.month, p.day) + 4) % 7) + 7) % 7)]),
    Unix: m(() => int64Value(secs)),
    UnixMilli: m(() => int64Value(secs * 1000n + BigInt(Math.floor(p.nanos / 1e6)))),
    UnixMicro: m(() => int64Value(secs * 1000000n + BigInt(Math.floor(p.nanos / 1e3)))),
    UnixNano: m(() => int64Value(secs * 1000000000n + BigInt(p.nanos))),
    IsZero: m(() => secs === ZERO_UNIX && p.nanos === 0),
    UTC: m(() => new GoTime(utcText(secs, p.nanos))),
  };
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

interface TimeParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanos: number;
  /** East of UTC, in seconds. */
  offset: number;
}

/** The fields of an RFC 3339 text; the zero time (0001-01-01 UTC) when it does not parse, as time.Time's zero. */
function partsOf(iso: string): TimeParts {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|([+-])(\d\d):(\d\d))$/.exec(iso);
  if (!m) return { year: 1, month: 1, day: 1, hour: 0, minute: 0, second: 0, nanos: 0, offset: 0 };
  const offset = m[8] === 'Z' ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 3600 + Number(m[11]) * 60);
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]), nanos: Number((m[7] ?? '').slice(0, 9).padEnd(9, '0')), offset };
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y0: number, m: number, d: number): number {
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function unixSeconds(p: TimeParts): bigint {
  return BigInt(daysFromCivil(p.year, p.month, p.day)) * 86400n + BigInt(p.hour * 3600 + p.minute * 60 + p.second - p.offset);
}

const ZERO_UNIX = -62135596800n;

/** The RFC 3339 text in UTC of a unix time (nanoseconds kept, trailing zeros dropped as Go's RFC3339Nano). */
function utcText(secs: bigint, nanos: number): string {
  const days = Number(secs >= 0n ? secs / 86400n : (secs - 86399n) / 86400n);
  const rest = Number(secs - BigInt(days) * 86400n);
  // civil_from_days
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const frac = nanos ? `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}` : '';
  return `${String(y).padStart(4, '0')}-${p2(m)}-${p2(d)}T${p2(Math.floor(rest / 3600))}:${p2(Math.floor((rest % 3600) / 60))}:${p2(rest % 60)}${frac}Z`;
}
