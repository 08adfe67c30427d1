import { afterAll, beforeAll } from '@jest/globals';
import { busyboxRootfsTar } from './busybox';
import { clientsFor } from './clients';
import { BerthDaemon } from './daemon';
import { ok } from './expect-exit';

export interface UseDaemonOptions {
  /** Import the busybox rootfs as `busybox:latest` once the daemon is up (default true). */
  busybox?: boolean;
  /** Timeout of the set-up and tear-down hooks (default 120 s). */
  timeoutMs?: number;
}

/**
 * One berthd for the test file: started in `beforeAll` (handed to `set`, then busybox imported
 * unless `busybox: false`), disposed in `afterAll`.
 */
export function useDaemon(set: (d: BerthDaemon) => void, opts: UseDaemonOptions = {}): void {
  const timeout = opts.timeoutMs ?? 120_000;
  let daemon: BerthDaemon | undefined;
  beforeAll(async () => {
    daemon = await BerthDaemon.start();
    set(daemon);
    if (opts.busybox ?? true) ok(await clientsFor(daemon).docker(['import', busyboxRootfsTar(), 'busybox:latest']));
  }, timeout);
  afterAll(async () => {
    await daemon?.dispose();
  }, timeout);
}
