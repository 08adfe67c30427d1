import { humanSize } from './go-units';

/*
 * pkg/jsonmessage's JSONProgress.String(), which the daemon puts in a message's `progress` field
 * (as if 200 columns wide, no start time) and the CLI draws from `progressDetail`.
 */

/** Go's time.Duration String for whole seconds: `0s`, `42s`, `1m5s`, `2h0m0s`. */
function goDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${m}m${s % 60}s` : `${m}m${s % 60}s`;
}

/** pkg/jsonmessage JSONProgress.String(): `[====>   ]  1.2MB/5MB 3s`, by terminal width. */
export function progressString(d: { current?: number; total?: number; start?: number } | undefined, width: number, nowSeconds: number): string {
  const current = d?.current ?? 0;
  const total = d?.total ?? 0;
  if (current <= 0 && total <= 0) return '';
  if (total <= 0) return humanSize(current, 4).padStart(8);
  let pct = Math.floor(Math.floor((current / total) * 100) / 2);
  if (pct > 50) pct = 50;
  let bar = '';
  if (width > 110) bar = `[${'='.repeat(Math.max(0, pct))}>${' '.repeat(Math.max(0, 50 - pct))}] `;
  let numbers = `${humanSize(current, 4).padStart(8)}/${humanSize(total, 4)}`;
  if (current > total) numbers = humanSize(current, 4).padStart(8);
  let left = '';
  if (current > 0 && d?.start && d.start > 0 && pct < 50 && width > 50) {
    const perByte = (nowSeconds - d.start) / current;
    left = ` ${goDuration((total - current) * perByte)}`;
  }
  return bar + numbers + left;
}
