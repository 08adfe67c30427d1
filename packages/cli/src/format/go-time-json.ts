/**
 * time.Time's MarshalJSON of a time given as RFC 3339 text (what docker 28 writes back for a
 * time.Time field it decoded from the daemon's answer): RFC3339Nano, so the fraction loses its
 * trailing zeros (`.990Z` is `.99Z`, `.000Z` none) and a zero offset is `Z`. A text that is not
 * RFC 3339 is left as it is.
 */
export function goTimeJson(iso: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(iso);
  if (!m) return iso;
  const frac = (m[2] ?? '').slice(0, 9).replace(/0+$/, '');
  const zone = m[3] === '+00:00' || m[3] === '-00:00' ? 'Z' : m[3]!;
  return `${m[1]}${frac ? `.${frac}` : ''}${zone}`;
}
