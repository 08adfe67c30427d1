import type { ContainerWaitResponse } from '@berth/api';
import type { Task } from '@berth/runtime';
import type { WaitCondition } from './container-service';
import type { ContainerStatus } from './container-state';
import type { StoredContainer } from './container-store';
import type { HealthMonitor } from './health-monitor';
import { StreamHub } from './stream-hub';

/** A `wait` in progress: settled by an exit (next-exit, not-running) or the removal. */
export interface Waiter {
  condition: WaitCondition;
  resolve(r: ContainerWaitResponse): void;
}

/** One container as the service holds it: its record plus everything that lives only in memory. */
export interface Entry {
  rec: StoredContainer;
  hub: StreamHub;
  task?: Task;
  /** Settles once the current run's exit has been recorded (state, waiters, unmount). */
  exitHandled?: Promise<void>;
  /**
   * Settles once the current run's shim is done (the runtime's container deleted, exit.json
   * written). The exit is recorded before that (exitHandled); reusing the id (a new start) or
   * removing the bundle waits for this.
   */
  taskDone?: Promise<void>;
  removal?: Promise<void>;
  /** Being removed: no restart, no start. */
  doomed: boolean;
  waiters: Set<Waiter>;
  restartTimer?: NodeJS.Timeout;
  restartDelayMs: number;
  /** Serialises start / remove of this container. */
  lock: Promise<unknown>;
  /** The runtime may still hold a record of this container (its task was lost, not waited for). */
  runtimeDirty: boolean;
  /** Serialises state changes (setState). */
  stateChain: Promise<unknown>;
  /** The health check of the current run. */
  health?: HealthMonitor;
}

export function newEntry(rec: StoredContainer): Entry {
  return { rec, hub: new StreamHub(), doomed: false, waiters: new Set(), restartDelayMs: 100, lock: Promise.resolve(), runtimeDirty: false, stateChain: Promise.resolve() };
}

const ACTIVE: readonly ContainerStatus[] = ['running', 'paused', 'restarting'];

/** running, paused or restarting: a run is in progress. */
export function isActive(s: ContainerStatus): boolean {
  return ACTIVE.includes(s);
}
