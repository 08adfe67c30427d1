import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Go's time.Local as the docker CLI loads it (time/zoneinfo_unix.go initLocal): TZ unset is
 * /etc/localtime; TZ empty, `UTC` or a zone that does not load is UTC; `:` is dropped; an absolute
 * path is that file; another name is looked up in $ZONEINFO and the platform's zoneinfo
 * directories. The TZif file's transitions (version 2+ data) and, past the last one, its POSIX TZ
 * footer answer Location.lookup: the zone's abbreviation (`IST`, `CEST`, `+04`), offset and isDST at
 * an instant. Loaded once per value of TZ (a test may change it).
 */
export interface GoZone {
  name: string;
  /** East of UTC, in seconds. */
  offset: number;
  isDST: boolean;
}

interface Location {
  zones: GoZone[];
  /** Transition instants (unix seconds) and the zone each starts. */
  tx: { when: number; zone: number }[];
  /** The POSIX TZ rule for instants past the last transition ('' none). */
  extend: string;
}

const UTC: Location = { zones: [], tx: [], extend: '' };
const SOURCES = ['/usr/share/zoneinfo/', '/usr/share/lib/zoneinfo/', '/usr/lib/locale/TZ/', '/etc/zoneinfo/'];
let cached: { tz: string | undefined; loc: Location } | undefined;

/** time.Local's zone at unix second `sec` (Location.lookup). */
export function goLocalZone(sec: number): GoZone {
  const tz = process.env.TZ;
  if (!cached || cached.tz !== tz) cached = { tz, loc: loadLocal(tz) };
  return lookup(cached.loc, sec);
}

function loadLocal(tz: string | undefined): Location {
  const load = (file: string) => {
    try {
      return parseTzif(readFileSync(file));
    } catch {
      return undefined;
    }
  };
  if (tz === undefined) return load('/etc/localtime') ?? UTC;
  const name = tz.startsWith(':') ? tz.slice(1) : tz;
  if (name === '' || name === 'UTC') return UTC;
  if (name.startsWith('/')) return load(name) ?? UTC;
  if (name.split(/[/\\]/).includes('..')) return UTC;
  const dirs = [...(process.env.ZONEINFO ? [process.env.ZONEINFO] : []), ...SOURCES];
  for (const dir of dirs) {
    const loc = load(path.join(dir, name));
    if (loc) return loc;
  }
  return UTC;
}

/** time.LoadLocationFromTZData: the version 2+ block when there is one (64-bit times), and the footer. */
function parseTzif(b: Buffer): Location | undefined {
  if (b.length < 44 || b.toString('latin1', 0, 4) !== 'TZif') return undefined;
  const counts = (at: number) => [0, 1, 2, 3, 4, 5].map((i) => b.readUInt32BE(at + 20 + i * 4)) as [number, number, number, number, number, number];
  let at = 0;
  let [isut, isstd, leap, time, type, chars] = counts(at);
  let wide = false;
  if (b[4] !== 0) {
    at += 44 + time * 5 + type * 6 + chars + leap * 8 + isstd + isut;
    if (b.toString('latin1', at, at + 4) !== 'TZif') return undefined;
    [isut, isstd, leap, time, type, chars] = counts(at);
    wide = true;
  }
  let p = at + 44;
  const when: number[] = [];
  for (let i = 0; i < time; i++, p += wide ? 8 : 4) when.push(wide ? Number(b.readBigInt64BE(p)) : b.readInt32BE(p));
  const index = [...b.subarray(p, p + time)];
  p += time;
  const zones: GoZone[] = [];
  const names = p + type * 6;
  for (let i = 0; i < type; i++, p += 6) {
    const from = names + b[p + 5]!;
    const end = b.indexOf(0, from);
    zones.push({ offset: b.readInt32BE(p), isDST: b[p + 4] !== 0, name: b.toString('latin1', from, end < 0 || end > names + chars ? names + chars : end) });
  }
  if (zones.length === 0) return undefined;
  p = names + chars + leap * (wide ? 12 : 8) + isstd + isut;
  const footer = wide ? b.toString('latin1', p) : '';
  const extend = footer.length > 2 && footer.startsWith('\n') && footer.endsWith('\n') ? footer.slice(1, -1) : '';
  // a zone without transitions (Etc/GMT-4) gets one covering all time, as Go's
  const tx = when.length ? when.map((w, i) => ({ when: w, zone: index[i]! })) : [{ when: -Infinity, zone: 0 }];
  return { zones, tx, extend };
}

function lookup(l: Location, sec: number): GoZone {
  if (l.zones.length === 0) return { name: 'UTC', offset: 0, isDST: false };
  if (sec < l.tx[0]!.when) return l.zones[firstZone(l)]!;
  let lo = 0;
  let hi = l.tx.length;
  while (hi - lo > 1) {
    const m = (lo + hi) >> 1;
    if (sec < l.tx[m]!.when) hi = m;
    else lo = m;
  }
  if (lo === l.tx.length - 1 && l.extend !== '') return tzset(l.extend, sec) ?? l.zones[l.tx[lo]!.zone]!;
  return l.zones[l.tx[lo]!.zone]!;
}

/** Location.lookupFirstZone: the zone before the first transition. */
function firstZone(l: Location): number {
  if (l.tx.some((t) => t.zone === 0)) {
    if (l.zones[l.tx[0]!.zone]!.isDST) for (let i = l.tx[0]!.zone - 1; i >= 0; i--) if (!l.zones[i]!.isDST) return i;
    const std = l.zones.findIndex((z) => !z.isDST);
    if (std >= 0) return std;
  }
  return 0;
}

/** time.tzset: the zone a POSIX TZ string (`CET-1CEST,M3.5.0,M10.5.0/3`) gives at unix second `sec`. */
function tzset(s: string, sec: number): GoZone | undefined {
  let rest = s;
  const name = (): string | undefined => {
    const m = /^(?:<([^>]*)>|([A-Za-z]{3,}))/.exec(rest);
    if (!m) return undefined;
    rest = rest.slice(m[0].length);
    return m[1] ?? m[2];
  };
  // hh[:mm[:ss]] with an optional sign; `sign` false for a rule's time
  const secs = (sign: boolean): number | undefined => {
    const m = (sign ? /^([+-]?)(\d{1,3})(?::(\d\d))?(?::(\d\d))?/ : /^()(\d{1,3})(?::(\d\d))?(?::(\d\d))?/).exec(rest);
    if (!m) return undefined;
    rest = rest.slice(m[0].length);
    const v = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
    return m[1] === '-' ? -v : v;
  };
  const stdName = name();
  const stdOff = stdName === undefined ? undefined : secs(true);
  if (stdName === undefined || stdOff === undefined) return undefined;
  const std: GoZone = { name: stdName, offset: -stdOff, isDST: false };
  if (rest === '') return std;
  const dstName = name();
  if (dstName === undefined) return undefined;
  let dstOffset = std.offset + 3600;
  if (rest !== '' && rest[0] !== ',') {
    const o = secs(true);
    if (o === undefined) return undefined;
    dstOffset = -o;
  }
  const dst: GoZone = { name: dstName, offset: dstOffset, isDST: true };
  if (rest === '') rest = ',M3.2.0,M11.1.0';
  const rule = (): ((year: number) => number) | undefined => {
    const m = /^,(?:J(\d+)|(\d+)|M(\d+)\.(\d)\.(\d))/.exec(rest);
    if (!m) return undefined;
    rest = rest.slice(m[0].length);
    let time = 7200;
    if (rest.startsWith('/')) {
      rest = rest.slice(1);
      const t = secs(true);
      if (t === undefined) return undefined;
      time = t;
    }
    // the rule's day of the year (0-based), as tzruleTime
    const day = (year: number): number => {
      const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
      if (m[1] !== undefined) return Number(m[1]) - 1 + (leap && Number(m[1]) >= 60 ? 1 : 0);
      if (m[2] !== undefined) return Number(m[2]);
      const [mon, week, dow] = [Number(m[3]), Number(m[4]), Number(m[5])];
      const first = daysFromCivil(year, mon, 1);
      let d = (((dow - ((first + 4) % 7)) % 7) + 7) % 7;
      const len = daysFromCivil(mon === 12 ? year + 1 : year, mon === 12 ? 1 : mon + 1, 1) - first;
      for (let i = 1; i < week && d + 7 < len; i++) d += 7;
      return first - daysFromCivil(year, 1, 1) + d;
    };
    return (year) => day(year) * 86400 + time;
  };
  const start = rule();
  const end = start && rule();
  if (!start || !end || rest !== '') return undefined;
  const days = Math.floor(sec / 86400);
  const year = civilYear(days);
  const ysec = sec - daysFromCivil(year, 1, 1) * 86400;
  let [a, b] = [start(year) - std.offset, end(year) - dst.offset];
  let [first, second] = [dst, std];
  if (b < a) {
    [a, b] = [b, a];
    [first, second] = [std, dst];
  }
  return ysec < a || ysec >= b ? second : first;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (days_from_civil). */
function daysFromCivil(y0: number, m: number, d: number): number {
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

function civilYear(days: number): number {
  let y = Math.floor(days / 365.2425) + 1970;
  while (daysFromCivil(y, 1, 1) > days) y--;
  while (daysFromCivil(y + 1, 1, 1) <= days) y++;
  return y;
}
