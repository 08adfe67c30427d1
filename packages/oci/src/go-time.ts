/**
 * Times as Go's time.Format writes them, the way Docker's daemon writes every time it stores or
 * answers: RFC3339Nano (`2026-11-28T08:14:45.605178447Z`: nanoseconds with the fraction's trailing
 * zeros dropped, no fraction at all for a whole second) and RFC3339 (whole seconds). Also the
 * `created` of the image configs Go writes (OCI image spec: an RFC 3339 date-time).
 *
 * The zone: Docker writes some times in UTC (`time.Now().UTC()`: a container's Created, its
 * StartedAt/FinishedAt, a commit's `created`), others in the daemon's local zone (`time.Now()`: a
 * network's Created, a health probe's Start/End, an image's LastTagTime, info's SystemTime, a
 * volume's CreatedAt). Go writes a zero offset as `Z` and any other as `+hh:mm`/`-hh:mm`.
 */
export interface GoTimeOptions {
  /** In the daemon's local zone (the TZ of the process), as Go's time.Now(); UTC otherwise. */
  local?: boolean;
  /**
   * The nanoseconds below the millisecond (0-999999). JavaScript dates stop at milliseconds; by
   * default these digits come from the monotonic clock, so that two stamps taken in a row still
   * order within one millisecond.
   */
  subMsNanos?: number;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Go's `time.RFC3339Nano` of a Date. */
export function rfc3339Nano(d: Date, opts: GoTimeOptions = {}): string {
  const sub = opts.subMsNanos ?? Number(process.hrtime.bigint() % 1_000_000n);
  const frac = `${pad(d.getUTCMilliseconds(), 3)}${pad(sub, 6)}`.replace(/0+$/, '');
  return `${wholeSeconds(d, opts.local === true)}${frac ? `.${frac}` : ''}${zone(d, opts.local === true)}`;
}

/** Go's `time.RFC3339` of a Date (whole seconds: Docker's volume CreatedAt). */
export function rfc3339(d: Date, opts: Pick<GoTimeOptions, 'local'> = {}): string {
  return `${wholeSeconds(d, opts.local === true)}${zone(d, opts.local === true)}`;
}

function wholeSeconds(d: Date, local: boolean): string {
  // the local wall clock is UTC's shifted by the offset of that instant
  return new Date(d.getTime() + offsetEast(d, local) * 60_000).toISOString().slice(0, 19);
}

/** Minutes east of UTC of the instant in the process zone (Date's getTimezoneOffset is west). */
function offsetEast(d: Date, local: boolean): number {
  return local ? -Math.trunc(d.getTimezoneOffset()) || 0 : 0;
}

/** Go's `Z07:00`: `Z` for a zero offset, else the offset east of UTC in hours and minutes. */
function zone(d: Date, local: boolean): string {
  const east = offsetEast(d, local);
  if (east === 0) return 'Z';
  const a = Math.abs(east);
  return `${east < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}
