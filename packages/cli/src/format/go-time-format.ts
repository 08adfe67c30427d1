/**
 * Go's time.Time.Format: the layout's reference-time chunks (`2006-01-02T15:04:05.999999999Z07:00`,
 * `Jan _2`, `3:04PM`, `MST`, `.000`, `,999`, `002`...) found as time.nextStdChunk finds them, and
 * written as time.appendFormat writes them; everything else is copied.
 */

/** A time's fields in its own location (what Go's Time.locabs gives), and the location's name. */
export interface GoClock {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanos: number;
  /** 1-366 */
  yearDay: number;
  /** 0 is Sunday */
  weekday: number;
  /** East of UTC, in seconds. */
  offset: number;
  /** The zone's abbreviation (`UTC`), '' for a fixed zone without a name. */
  zone: string;
  /** Whether the zone is daylight saving time (time.Time.IsDST). */
  isDST: boolean;
}

export const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

type Chunk =
  | { kind: 'year' | 'longYear' | 'month' | 'longMonth' | 'numMonth' | 'zeroMonth' | 'weekDay' | 'longWeekDay' | 'day' | 'underDay' | 'zeroDay' | 'underYearDay' | 'zeroYearDay' }
  | { kind: 'hour' | 'hour12' | 'zeroHour12' | 'minute' | 'zeroMinute' | 'second' | 'zeroSecond' | 'PM' | 'pm' | 'tzName' }
  | { kind: 'tz'; iso: boolean; colon: boolean; seconds: boolean; short: boolean }
  | { kind: 'frac'; trim: boolean; digits: number; sep: string };

const isLower = (c: string | undefined) => c !== undefined && c >= 'a' && c <= 'z';
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** time.nextStdChunk: the text before the first chunk, the chunk, and the rest. */
function nextChunk(l: string): [string, Chunk | undefined, string] {
  for (let i = 0; i < l.length; i++) {
    const at = (s: string) => l.startsWith(s, i);
    const cut = (n: number, c: Chunk, from = i): [string, Chunk, string] => [l.slice(0, from), c, l.slice(i + n)];
    switch (l[i]) {
      case 'J':
        if (at('Jan')) {
          if (at('January')) return cut(7, { kind: 'longMonth' });
          if (!isLower(l[i + 3])) return cut(3, { kind: 'month' });
        }
        break;
      case 'M':
        if (at('Mon')) {
          if (at('Monday')) return cut(6, { kind: 'longWeekDay' });
          if (!isLower(l[i + 3])) return cut(3, { kind: 'weekDay' });
        }
        if (at('MST')) return cut(3, { kind: 'tzName' });
        break;
      case '0':
        if (l[i + 1] !== undefined && l[i + 1]! >= '1' && l[i + 1]! <= '6') {
          const kinds = ['zeroMonth', 'zeroDay', 'zeroHour12', 'zeroMinute', 'zeroSecond', 'year'] as const;
          return cut(2, { kind: kinds[Number(l[i + 1]) - 1]! });
        }
        if (at('002')) return cut(3, { kind: 'zeroYearDay' });
        break;
      case '1':
        if (l[i + 1] === '5') return cut(2, { kind: 'hour' });
        return cut(1, { kind: 'numMonth' });
      case '2':
        if (at('2006')) return cut(4, { kind: 'longYear' });
        return cut(1, { kind: 'day' });
      case '_':
        if (l[i + 1] === '2') {
          // `_2006` is a literal `_` and the year
          if (l.startsWith('2006', i + 1)) return [l.slice(0, i + 1), { kind: 'longYear' }, l.slice(i + 5)];
          return cut(2, { kind: 'underDay' });
        }
        if (at('__2')) return cut(3, { kind: 'underYearDay' });
        break;
      case '3':
        return cut(1, { kind: 'hour12' });
      case '4':
        return cut(1, { kind: 'minute' });
      case '5':
        return cut(1, { kind: 'second' });
      case 'P':
        if (l[i + 1] === 'M') return cut(2, { kind: 'PM' });
        break;
      case 'p':
        if (l[i + 1] === 'm') return cut(2, { kind: 'pm' });
        break;
      case '-':
      case 'Z': {
        const iso = l[i] === 'Z';
        const p = iso ? 'Z' : '-';
        if (at(`${p}070000`)) return cut(7, { kind: 'tz', iso, colon: false, seconds: true, short: false });
        if (at(`${p}07:00:00`)) return cut(9, { kind: 'tz', iso, colon: true, seconds: true, short: false });
        if (at(`${p}0700`)) return cut(5, { kind: 'tz', iso, colon: false, seconds: false, short: false });
        if (at(`${p}07:00`)) return cut(6, { kind: 'tz', iso, colon: true, seconds: false, short: false });
        if (at(`${p}07`)) return cut(3, { kind: 'tz', iso, colon: false, seconds: false, short: true });
        break;
      }
      case '.':
      case ',':
        if (l[i + 1] === '0' || l[i + 1] === '9') {
          const ch = l[i + 1];
          let j = i + 1;
          while (j < l.length && l[j] === ch) j++;
          // only a run of the same digit, not followed by another digit, is a fraction
          if (!isDigit(l[j])) return [l.slice(0, i), { kind: 'frac', trim: ch === '9', digits: j - (i + 1), sep: l[i]! }, l.slice(j)];
        }
        break;
    }
  }
  return [l, undefined, ''];
}

/** Go's appendInt: `width` digits at least, zero-padded, the sign before them. */
function int(x: number, width: number): string {
  const s = String(Math.abs(x)).padStart(width, '0');
  return x < 0 ? `-${s}` : s;
}

/** time.Time.Format(layout) of a time whose fields are `c`. */
export function goTimeFormat(c: GoClock, layout: string): string {
  let out = '';
  let rest = layout;
  while (rest !== '') {
    const [prefix, chunk, after] = nextChunk(rest);
    out += prefix;
    if (!chunk) break;
    rest = after;
    const hr12 = c.hour % 12 === 0 ? 12 : c.hour % 12;
    switch (chunk.kind) {
      case 'year':
        out += int(Math.abs(c.year) % 100, 2);
        break;
      case 'longYear':
        out += int(c.year, 4);
        break;
      case 'month':
        out += MONTHS[c.month - 1]!.slice(0, 3);
        break;
      case 'longMonth':
        out += MONTHS[c.month - 1];
        break;
      case 'numMonth':
        out += int(c.month, 0);
        break;
      case 'zeroMonth':
        out += int(c.month, 2);
        break;
      case 'weekDay':
        out += WEEKDAYS[c.weekday]!.slice(0, 3);
        break;
      case 'longWeekDay':
        out += WEEKDAYS[c.weekday];
        break;
      case 'day':
        out += int(c.day, 0);
        break;
      case 'underDay':
        out += (c.day < 10 ? ' ' : '') + int(c.day, 0);
        break;
      case 'zeroDay':
        out += int(c.day, 2);
        break;
      case 'underYearDay':
        out += (c.yearDay < 100 ? (c.yearDay < 10 ? '  ' : ' ') : '') + int(c.yearDay, 0);
        break;
      case 'zeroYearDay':
        out += int(c.yearDay, 3);
        break;
      case 'hour':
        out += int(c.hour, 2);
        break;
      case 'hour12':
        out += int(hr12, 0);
        break;
      case 'zeroHour12':
        out += int(hr12, 2);
        break;
      case 'minute':
        out += int(c.minute, 0);
        break;
      case 'zeroMinute':
        out += int(c.minute, 2);
        break;
      case 'second':
        out += int(c.second, 0);
        break;
      case 'zeroSecond':
        out += int(c.second, 2);
        break;
      case 'PM':
        out += c.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += c.hour >= 12 ? 'pm' : 'am';
        break;
      case 'tz': {
        if (c.offset === 0 && chunk.iso) {
          out += 'Z';
          break;
        }
        const abs = Math.abs(c.offset);
        const zone = Math.trunc(abs / 60);
        out += (c.offset < 0 ? '-' : '+') + int(Math.trunc(zone / 60), 2);
        if (chunk.colon) out += ':';
        if (!chunk.short) out += int(zone % 60, 2);
        if (chunk.seconds) out += (chunk.colon ? ':' : '') + int(abs % 60, 2);
        break;
      }
      case 'tzName': {
        if (c.zone !== '') {
          out += c.zone;
          break;
        }
        const zone = Math.trunc(Math.abs(c.offset) / 60);
        out += (c.offset < 0 ? '-' : '+') + int(Math.trunc(zone / 60), 2) + int(zone % 60, 2);
        break;
      }
      case 'frac': {
        if (chunk.trim && (chunk.digits === 0 || c.nanos === 0)) break;
        let f = int(c.nanos, 9);
        if (chunk.digits < 9) f = f.slice(0, chunk.digits);
        if (chunk.trim) f = f.replace(/0+$/, '');
        out += chunk.trim && f === '' ? '' : chunk.sep + f;
        break;
      }
    }
  }
  return out;
}
