import { int64Value } from '@berth/api';
import { GoDuration, GoNamedInt, GoTime, type GoLocation, type GoMethod } from './go-value';
import { goLocalZone } from './go-local-zone';
import { type GoClock, MONTHS, WEEKDAYS, goTimeFormat } from './go-time-format';

/**
 * time.Time's methods a template can call on a typed inspect field (`{{.Created.Year}}` of a
 * network, `{{.Metadata.LastTagTime.Unix}}` of an image, `{{.Created.Format "2006-01-02"}}`),
 * computed from the RFC 3339 text in the time's own offset, as Go keeps the location it parsed.
 * Month and Weekday are named ints (print `December`, `Monday`; `%d` 12); Unix* are int64s; Sub gives a
 * GoDuration; Add, AddDate, Round, Truncate, UTC and Local a time. A time.Duration argument is an
 * integer constant or a GoDuration, a time.Time argument a GoTime (template.ts checks them).
 */
export function goTimeMethods(t: GoTime): Record<string, GoMethod> {
  const p = clockOf(t.iso, t.loc);
  const m = (fn: () => unknown): GoMethod => ({ params: [], fn });
  const secs = unixSeconds(p);
  // a result keeps the location: Local's offset is the one at the new instant (DST), a fixed zone's stays
  const at = (s: bigint, nanos: number) => (p.loc === 'Local' ? localTime(s, nanos) : new GoTime(isoText(s, nanos, p.offset, p.loc === 'UTC'), p.loc));
  const nsOf = (d: unknown): bigint => (d instanceof GoDuration ? d.ns : BigInt(d as number));
  const cmp = (u: unknown): number => {
    const q = clockOf((u as GoTime).iso, (u as GoTime).loc);
    const a = secs * 1_000_000_000n + BigInt(p.nanos);
    const b = unixSeconds(q) * 1_000_000_000n + BigInt(q.nanos);
    return a < b ? -1 : a > b ? 1 : 0;
  };
  // nanoseconds since Go's zero time (January 1, year 1), which Round and Truncate count from
  const sinceZero = (secs - ZERO_UNIX) * 1_000_000_000n + BigInt(p.nanos);
  const fromSinceZero = (ns: bigint) => at(ZERO_UNIX + floorDiv(ns, 1_000_000_000n), Number(ns - floorDiv(ns, 1_000_000_000n) * 1_000_000_000n));
  return {
    Year: m(() => p.year),
    Month: m(() => new GoNamedInt(p.month, MONTHS[p.month - 1]!, 'time.Month')),
    Day: m(() => p.day),
    Hour: m(() => p.hour),
    Minute: m(() => p.minute),
    Second: m(() => p.second),
    Nanosecond: m(() => p.nanos),
    YearDay: m(() => p.yearDay),
    Weekday: m(() => new GoNamedInt(p.weekday, WEEKDAYS[p.weekday]!, 'time.Weekday')),
    Unix: m(() => int64Value(secs)),
    UnixMilli: m(() => int64Value(secs * 1000n + BigInt(Math.floor(p.nanos / 1e6)))),
    UnixMicro: m(() => int64Value(secs * 1000000n + BigInt(Math.floor(p.nanos / 1e3)))),
    UnixNano: m(() => int64Value(BigInt.asIntN(64, secs * 1000000000n + BigInt(p.nanos)))),
    IsZero: m(() => secs === ZERO_UNIX && p.nanos === 0),
    IsDST: m(() => p.isDST),
    UTC: m(() => new GoTime(isoText(secs, p.nanos, 0, true), 'UTC')),
    Local: m(() => localTime(secs, p.nanos)),
    String: m(() => goTimeText(t.iso, t.loc)),
    Format: { params: ['string'], fn: (layout) => goTimeFormat(p, layout as string) },
    Add: {
      params: ['time.Duration'],
      fn: (d) => {
        const total = BigInt(p.nanos) + nsOf(d);
        const q = floorDiv(total, 1_000_000_000n);
        return at(secs + q, Number(total - q * 1_000_000_000n));
      },
    },
    AddDate: {
      params: ['int', 'int', 'int'],
      fn: (y, mo, d) => {
        // time.Date's normalisation: months beyond 12 carry into years, days into months
        const m0 = p.month - 1 + (mo as number);
        const year = p.year + (y as number) + Math.floor(m0 / 12);
        const month = (((m0 % 12) + 12) % 12) + 1;
        const days = daysFromCivil(year, month, 1) + p.day - 1 + (d as number);
        return at(BigInt(days) * 86400n + BigInt(p.hour * 3600 + p.minute * 60 + p.second - p.offset), p.nanos);
      },
    },
    // Sub saturates at the int64 bounds, as Go's
    Sub: { params: ['time.Time'], fn: (u) => new GoDuration(clampInt64(sinceZero - sinceZeroOf(clockOf((u as GoTime).iso, (u as GoTime).loc)))) },
    Before: { params: ['time.Time'], fn: (u) => cmp(u) < 0 },
    After: { params: ['time.Time'], fn: (u) => cmp(u) > 0 },
    Equal: { params: ['time.Time'], fn: (u) => cmp(u) === 0 },
    Compare: { params: ['time.Time'], fn: (u) => cmp(u) },
    Truncate: {
      params: ['time.Duration'],
      fn: (d) => {
        const n = nsOf(d);
        return n <= 0n ? t : fromSinceZero(sinceZero - (sinceZero % n));
      },
    },
    Round: {
      params: ['time.Duration'],
      fn: (d) => {
        const n = nsOf(d);
        if (n <= 0n) return t;
        const r = sinceZero % n;
        return fromSinceZero(r + r < n ? sinceZero - r : sinceZero + (n - r));
      },
    },
  };
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function clampInt64(x: bigint): bigint {
  const max = (1n << 63n) - 1n;
  return x > max ? max : x < -max - 1n ? -max - 1n : x;
}

function sinceZeroOf(p: GoClock): bigint {
  return (unixSeconds(p) - ZERO_UNIX) * 1_000_000_000n + BigInt(p.nanos);
}

/** time.Time's String of an RFC 3339 text (`2006-01-02 15:04:05.999999999 -0700 MST`); the zero time when it does not parse. */
export function goTimeText(iso: string, loc?: GoLocation): string {
  return goTimeFormat(clockOf(iso, loc), '2006-01-02 15:04:05.999999999 -0700 MST');
}

/**
 * Go's parse of an RFC 3339 text (time.parseRFC3339, what json.Unmarshal does to docker's
 * time.Time fields): `Z` is UTC; an offset that is time.Local's at that instant puts the time in
 * Local (the zone's abbreviation, `IST`, `CEST`, and its isDST); another offset is a zone without
 * a name (`+0530`). `loc`, a method's result's location, overrides the rule. The zero time
 * (0001-01-01 UTC) when the text does not parse.
 */
function clockOf(iso: string, loc?: GoLocation): GoClock & { loc: GoLocation } {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|([+-])(\d\d):(\d\d))$/.exec(iso);
  const [year, month, day, hour, minute, second] = m ? (m.slice(1, 7).map(Number) as [number, number, number, number, number, number]) : [1, 1, 1, 0, 0, 0];
  const nanos = m ? Number((m[7] ?? '').slice(0, 9).padEnd(9, '0')) : 0;
  const offset = !m || m[8] === 'Z' ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 3600 + Number(m[11]) * 60);
  const days = daysFromCivil(year, month, day);
  const yearDay = days - daysFromCivil(year, 1, 1) + 1;
  const weekday = (((days + 4) % 7) + 7) % 7;
  const clock = { year, month, day, hour, minute, second, nanos, offset, yearDay, weekday };
  if (!m || loc === 'UTC' || (!loc && m[8] === 'Z')) return { ...clock, zone: 'UTC', isDST: false, loc: 'UTC' };
  if (loc !== 'Fixed') {
    const local = goLocalZone(days * 86400 + hour * 3600 + minute * 60 + second - offset);
    if (local.offset === offset) return { ...clock, zone: local.name, isDST: local.isDST, loc: 'Local' };
  }
  return { ...clock, zone: '', isDST: false, loc: 'Fixed' };
}

/** A time at unix second `unix` in time.Local (its offset at that instant). */
function localTime(unix: bigint, nanos: number): GoTime {
  return new GoTime(isoText(unix, nanos, goLocalZone(Number(unix)).offset, false), 'Local');
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

function unixSeconds(p: GoClock): bigint {
  return BigInt(daysFromCivil(p.year, p.month, p.day)) * 86400n + BigInt(p.hour * 3600 + p.minute * 60 + p.second - p.offset);
}

const ZERO_UNIX = -62135596800n;

/** The RFC 3339 text of a unix time at `offset` seconds east of UTC (nanoseconds kept, trailing zeros dropped, as Go's RFC3339Nano; `Z` when `utc`). */
function isoText(unix: bigint, nanos: number, offset: number, utc: boolean): string {
  const secs = unix + BigInt(offset);
  const days = Number(floorDiv(secs, 86400n));
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
  const abs = Math.abs(offset);
  const zone = utc ? 'Z' : `${offset < 0 ? '-' : '+'}${p2(Math.floor(abs / 3600))}:${p2(Math.floor((abs % 3600) / 60))}`;
  return `${String(y).padStart(4, '0')}-${p2(m)}-${p2(d)}T${p2(Math.floor(rest / 3600))}:${p2(Math.floor((rest % 3600) / 60))}:${p2(rest % 60)}${frac}${zone}`;
}
