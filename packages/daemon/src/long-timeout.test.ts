import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { setLongTimeout, TIMER_MAX_MS } from './long-timeout';

afterEach(() => {
  jest.useRealTimers();
});

describe('setLongTimeout (a delay beyond setTimeout’s 2^31-1 ms)', () => {
  it('node fires a plain setTimeout beyond 2^31-1 ms after 1 ms (why this exists)', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const fired = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(true), TIMER_MAX_MS + 1);
        setTimeout(() => {
          clearTimeout(t);
          resolve(false);
        }, 50);
      });
      expect(fired).toBe(true);
    } finally {
      warn.mockRestore();
    }
  });

  it('waits the whole delay in steps, and can be cancelled', () => {
    jest.useFakeTimers();
    const fn = jest.fn();
    setLongTimeout(fn, 3 * TIMER_MAX_MS + 10);
    jest.advanceTimersByTime(1000);
    expect(fn).not.toHaveBeenCalled();
    jest.advanceTimersByTime(3 * TIMER_MAX_MS - 1000);
    expect(fn).not.toHaveBeenCalled();
    jest.advanceTimersByTime(10);
    expect(fn).toHaveBeenCalledTimes(1);
    const g = jest.fn();
    const cancel = setLongTimeout(g, TIMER_MAX_MS + 5);
    jest.advanceTimersByTime(TIMER_MAX_MS);
    cancel();
    jest.advanceTimersByTime(10);
    expect(g).not.toHaveBeenCalled();
    const short = jest.fn();
    setLongTimeout(short, 5);
    jest.advanceTimersByTime(5);
    expect(short).toHaveBeenCalledTimes(1);
  });
});
