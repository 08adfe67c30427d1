import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { setLongTimeout, TIMER_MAX_MS } from './long-timeout';
import { within } from './within';

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

  it('within(): a StopTimeout of 2^53 s does not time out at once', async () => {
    let settle!: () => void;
    const p = new Promise<void>((r) => (settle = r));
    const w = within(p, 2 ** 53 * 1000);
    setTimeout(settle, 30);
    expect(await w).toBe(true);
    expect(await within(new Promise(() => undefined), 20)).toBe(false);
  });
});
