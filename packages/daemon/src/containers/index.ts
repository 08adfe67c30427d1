/**
 * The container half of berthd: the container table, the container state machine and every
 * container operation of the Engine API. src/daemon.ts builds it with createContainerService and
 * mounts containersRouter(service).
 */
export type {
  ContainerService,
  CreateOptions as ContainerCreateOptions,
  StopOptions,
  RemoveOptions,
  UpdateOptions as ContainerUpdateOptions,
  AttachOptions,
  Attachment,
  LogsOptions,
  LogsStream,
  ListOptions,
  WaitCondition,
  WaitHandle,
  ContainerImageUser,
  ContainerCounts,
  CommitOptions as ContainerCommitOptions,
} from './container-service';
export type { ContainerRecord, ContainerStateRecord } from './container-record';
export type { ExecInspect } from './exec-session';
export type { ContainerChange } from './container-changes';
export type { PathStat } from './container-archive';
export type { ContainerStatus } from './container-state';
export type {
  ContainerServiceDeps,
  ContainerImages,
  ContainerSnapshots,
  ContainerRuntime,
  PackDirectory,
  ContainerCommitter,
  VolumeResolver,
  ContainerEvent,
} from './deps';
export { createContainerService } from './create-container-service';
export { extractIntoDirectory } from './extract-into-directory';
export { containerMigrations } from './migrations';
export { containersRouter } from '../routes/containers';
