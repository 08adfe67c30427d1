import { describe, expect, it } from '@jest/globals';
import { backoffDelay, defaultRetryPolicy, defaultSleep, retryAfterDelay } from './retry';

describe('retry policy', () => {
  it('doubles the delay up to the bound and honours Retry-After within it', () => {
    const p = { ...defaultRetryPolicy, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(p, a))).toEqual([100, 200, 400, 800, 1000]);
    expect(retryAfterDelay(p, '0.5', 1)).toBe(500);
    expect(retryAfterDelay(p, '3600', 1)).toBe(1000);
    expect(retryAfterDelay(p, 'garbage', 2)).toBe(200);
    expect(retryAfterDelay(p, new Date(Date.now() - 1000).toUTCString(), 1)).toBe(0);
  });
  it('stops waiting with a CancelledError when the signal aborts', async () => {
    const ac = new AbortController();
    const p = defaultSleep(10_000, ac.signal);
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(defaultSleep(10, ac.signal)).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
