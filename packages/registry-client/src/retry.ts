import { CancelledError } from '@berth/errdefs';

/** How failed requests are retried: bounded attempts, exponential backoff, an injectable clock. */
export interface RetryPolicy {
  /** Total tries of one request (first try included). */
  attempts: number;
  /** First backoff delay in ms; doubled for each further try. */
  baseDelayMs: number;
  /** Upper bound of one delay, also for `Retry-After`. */
  maxDelayMs: number;
  /** Waits `ms` (tests inject a fast clock). */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError('registry: cancelled while waiting to retry', { cause: signal.reason }));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new CancelledError('registry: cancelled while waiting to retry', { cause: signal?.reason }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 10_000, sleep: defaultSleep };

/** Delay before try number `attempt` (1 = first retry). */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
}

/** Milliseconds from a `Retry-After` header (seconds or an HTTP date), bounded by the policy. */
export function retryAfterDelay(policy: RetryPolicy, header: string | undefined, attempt: number): number {
  if (header) {
    const secs = Number(header);
    if (Number.isFinite(secs) && secs >= 0) return Math.min(policy.maxDelayMs, secs * 1000);
    const at = Date.parse(header);
    if (!Number.isNaN(at)) return Math.min(policy.maxDelayMs, Math.max(0, at - Date.now()));
  }
  return backoffDelay(policy, attempt);
}
