import type { HealthState } from './health-monitor';
import type { ContainerMount } from './mount-points';
import type { ContainerConfig, HostConfig } from '@berth/api';
import type { ContainerStatus } from './container-state';

/** Go's zero time, as docker prints it for "never". */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** The mutable part of a container: what the state machine changes. */
export interface ContainerStateRecord {
  status: ContainerStatus;
  /** Host PID of the init process while running, else 0. */
  pid: number;
  exitCode: number;
  /** Last start error (docker's State.Error), '' when none. */
  error: string;
  oomKilled: boolean;
  /** RFC3339Nano, ZERO_TIME when never. */
  startedAt: string;
  finishedAt: string;
  restartCount: number;
  /** Set by stop/kill so that the restart policy leaves the container alone. */
  manuallyStopped: boolean;
  /** Health of a container with a health check (memory only; not a column). */
  health?: HealthState;
}

/** The state of a container just created: never started. */
export function createdState(): ContainerStateRecord {
  return { status: 'created', pid: 0, exitCode: 0, error: '', oomKilled: false, startedAt: ZERO_TIME, finishedAt: ZERO_TIME, restartCount: 0, manuallyStopped: false };
}

/** One row of the container table, decoded. */
export interface ContainerRecord {
  /** 64 hex. */
  id: string;
  /** With the leading '/', as docker stores it. */
  name: string;
  /** The image as the client gave it (`busybox`, `busybox:local`, an ID...). */
  image: string;
  /** `sha256:<hex>` of the image config. */
  imageId: string;
  /** Config after merging the image config in (what inspect shows). */
  config: ContainerConfig;
  hostConfig: HostConfig;
  networkingConfig: unknown;
  /** Process path and arguments (docker's Path / Args). */
  path: string;
  args: string[];
  /** RFC3339Nano. */
  created: string;
  state: ContainerStateRecord;
  /** Binds and volumes resolved at create (undefined for rows older than the column: derived from Binds). */
  mounts?: ContainerMount[];
  /** The build in progress that made this intermediate container (CreateOptions.build); unset otherwise. */
  build?: string;
  /** The Engine API version of the create request (CreateOptions.apiVersion); unset for the builder's, the CRI's and older rows. */
  apiVersion?: string;
}
