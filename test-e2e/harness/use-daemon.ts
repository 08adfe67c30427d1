import { afterAll, beforeAll } from '@jest/globals';
import { busyboxRootfsTar } from './busybox';
import { clientsFor } from './clients';
import { BerthDaemon } from './daemon';
import { ok } from './expect-exit';
import { NetNs } from './netns';

export interface UseDaemonOptions {
  /** Import the busybox rootfs as `busybox:latest` once the daemon is up (default true). */
  busybox?: boolean;
  /** Timeout of the set-up and tear-down hooks (default 120 s). */
  timeoutMs?: number;
  /**
   * Run berthd in a network namespace of the file's own, made with this name prefix
   * (`NetNs.create`) and deleted after the daemon: for files that give containers a network.
   */
  netns?: string;
}

/**
 * One berthd for the test file: started in `beforeAll` (handed to `set` with its namespace when
 * `netns` is given, then busybox imported unless `busybox: false`), disposed in `afterAll` (and
 * the namespace deleted after it).
 */
export function useDaemon(set: (d: BerthDaemon, ns: NetNs | undefined) => void, opts: UseDaemonOptions = {}): void {
  const timeout = opts.timeoutMs ?? 120_000;
  let daemon: BerthDaemon | undefined;
  let ns: NetNs | undefined;
  beforeAll(async () => {
    if (opts.netns !== undefined) ns = NetNs.create(opts.netns);
    daemon = await BerthDaemon.start(ns ? { netns: ns } : {});
    set(daemon, ns);
    if (opts.busybox ?? true) ok(await clientsFor(daemon).docker(['import', busyboxRootfsTar(), 'busybox:latest']));
  }, timeout);
  afterAll(async () => {
    try {
      await daemon?.dispose();
    } finally {
      ns?.delete();
    }
  }, timeout);
}
