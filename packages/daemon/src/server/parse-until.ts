import { InvalidArgumentError } from '@berth/errdefs';

/** A prune or list `until` filter: a unix timestamp, an RFC 3339 time, or a Go duration before now. */
export function parseUntil(v: string, now = Date.now()): Date {
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return new Date(Number(s) * 1000);
  const dur = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(s);
  if (dur && s !== '') {
    const ms = (Number(dur[1] ?? 0) * 3600 + Number(dur[2] ?? 0) * 60 + Number(dur[3] ?? 0)) * 1000;
    return new Date(now - ms);
  }
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new InvalidArgumentError(`invalid filter 'until=${v}'`);
  return new Date(t);
}
