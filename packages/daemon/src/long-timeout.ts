/** The longest delay node's setTimeout keeps (2^31-1 ms, ~24.8 days); a longer one fires after 1 ms. */
export const TIMER_MAX_MS = 2 ** 31 - 1;

/**
 * setTimeout for any delay: one beyond TIMER_MAX_MS is waited out in steps (a Go duration can be
 * ~292 years: StopTimeout, a health check's Interval or Timeout). Infinity never fires. Returns the
 * cancel; `unref` timers do not keep the process alive.
 */
export function setLongTimeout(fn: () => void, ms: number, opts: { unref?: boolean } = {}): () => void {
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  const arm = (left: number): void => {
    if (cancelled) return;
    const step = Math.min(Math.max(left, 0), TIMER_MAX_MS);
    timer = setTimeout(() => (left > TIMER_MAX_MS ? arm(left - TIMER_MAX_MS) : fn()), step);
    if (opts.unref) timer.unref();
  };
  arm(ms);
  return () => {
    cancelled = true;
    if (timer) clearTimeout(timer);
  };
}
