import type { ContainerWaitResponse } from '@berth/api';
import { InvalidArgumentError } from '@berth/errdefs';
import { isActive, type Entry, type Waiter } from './container-entry';
import type { WaitCondition, WaitHandle } from './container-service';

/** `wait`: checks the condition and registers the waiter at once. */
export function waitFor(e: Entry, condition?: WaitCondition | string, signal?: AbortSignal): WaitHandle {
  const c = condition === undefined || condition === '' ? 'not-running' : condition;
  if (c !== 'not-running' && c !== 'next-exit' && c !== 'removed') {
    throw new InvalidArgumentError(`invalid condition: "${condition}"`);
  }
  if (c === 'not-running' && !isActive(e.rec.state.status)) {
    return { result: Promise.resolve({ StatusCode: e.rec.state.exitCode, Error: null }) };
  }
  const result = new Promise<ContainerWaitResponse>((resolve) => {
    const w: Waiter = { condition: c, resolve };
    e.waiters.add(w);
    signal?.addEventListener(
      'abort',
      () => {
        if (e.waiters.delete(w)) resolve({ StatusCode: -1, Error: { Message: 'context canceled' } });
      },
      { once: true },
    );
  });
  return { result };
}

/** Settles when the current run is over (for log following); never rejects. */
export function runOver(e: Entry): Promise<void> {
  if (e.exitHandled && e.rec.state.status !== 'restarting') return e.exitHandled.then(() => undefined);
  return new Promise((resolve) => {
    const w: Waiter = { condition: 'next-exit', resolve: () => resolve() };
    e.waiters.add(w);
  });
}

/**
 * An exit answers next-exit and not-running waiters, also when a restart policy restarts the
 * container (docker's State.SetRestarting closes waitStop as SetStopped does: `docker wait` of an
 * `--restart always` container returns at its first exit).
 */
export function notifyExit(e: Entry, exitCode: number): void {
  for (const w of [...e.waiters]) {
    if (w.condition === 'next-exit' || w.condition === 'not-running') {
      e.waiters.delete(w);
      w.resolve({ StatusCode: exitCode, Error: null });
    }
  }
}

/** The container is gone: every waiter gets the last exit code. */
export function notifyRemoved(e: Entry): void {
  for (const w of [...e.waiters]) {
    e.waiters.delete(w);
    w.resolve({ StatusCode: e.rec.state.exitCode, Error: null });
  }
}
