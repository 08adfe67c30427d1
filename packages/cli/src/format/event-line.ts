import type { EventMessage } from '@berth/api';

/** Go's `time.Unix(0, ns).Format("2006-01-02T15:04:05.000000000Z07:00")` in UTC, from a nanosecond count. */
export function rfc3339NanoFixed(ns: bigint): string {
  const sec = ns / 1_000_000_000n;
  const frac = ns % 1_000_000_000n;
  const iso = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
  return `${iso}.${frac.toString().padStart(9, '0')}Z`;
}

/** Nanoseconds of an event: timeNano as the daemon wrote it (its digits, not a rounded double), else time. */
export function eventNanos(e: Partial<EventMessage> & { timeNanoExact?: string }): bigint | undefined {
  if (e.timeNanoExact && e.timeNanoExact !== '0') return BigInt(e.timeNanoExact);
  if (typeof e.timeNano === 'number' && e.timeNano !== 0) return BigInt(String(e.timeNano).includes('e') ? Math.round(e.timeNano) : String(e.timeNano));
  if (typeof e.time === 'number' && e.time !== 0) return BigInt(e.time) * 1_000_000_000n;
  return undefined;
}

/** docker's default events line: `<time> container pause <id> (image=busybox:local, name=trace-x)`. */
export function eventLine(e: Partial<EventMessage> & { timeNanoExact?: string }): string {
  const ns = eventNanos(e);
  let out = ns !== undefined ? `${rfc3339NanoFixed(ns)} ` : '';
  out += `${e.Type ?? ''} ${e.Action ?? ''} ${e.Actor?.ID ?? ''}`;
  const attrs = e.Actor?.Attributes ?? {};
  const keys = Object.keys(attrs).sort();
  if (keys.length) out += ` (${keys.map((k) => `${k}=${attrs[k]}`).join(', ')})`;
  return out;
}

/** The event as docker's events.Message marshals it (field order, omitempty, sorted attributes). */
export function eventJsonObject(e: Partial<EventMessage> & { timeNanoExact?: string }): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (e.status) o.status = e.status;
  if (e.id) o.id = e.id;
  if (e.from) o.from = e.from;
  o.Type = e.Type ?? '';
  o.Action = e.Action ?? '';
  const attrs = e.Actor?.Attributes ?? {};
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(attrs).sort()) sorted[k] = attrs[k]!;
  o.Actor = { ID: e.Actor?.ID ?? '', Attributes: sorted };
  o.scope = e.scope ?? '';
  if (e.time) o.time = e.time;
  if (e.timeNano) o.timeNano = e.timeNano;
  return o;
}

/** `{{json .}}` of an event, with timeNano's exact digits. */
export function eventJson(e: Partial<EventMessage> & { timeNanoExact?: string }): string {
  const o = eventJsonObject(e);
  const text = JSON.stringify(o);
  return e.timeNanoExact && o.timeNano !== undefined ? text.replace(/"timeNano":[0-9.e+]+/, `"timeNano":${e.timeNanoExact}`) : text;
}
