import {
  buildSpec as runtimeBuildSpec,
  detachRootfs,
  mountRootfs,
  readLogs as runtimeReadLogs,
  readLogBatches as runtimeReadLogBatches,
  unmountRootfs,
  writeContainerFiles as runtimeWriteContainerFiles,
} from '@berth/runtime';
import type { Mounter } from './rootfs-mounts';

/** Hooks that tests replace; production uses @berth/runtime's functions. */
export interface ServiceHooks {
  mounter: Mounter;
  buildSpec: typeof runtimeBuildSpec;
  writeContainerFiles: typeof runtimeWriteContainerFiles;
  readLogs: typeof runtimeReadLogs;
  /** The same entries in batches (one per chunk read): `logs` writes one HTTP chunk per batch. */
  readLogBatches?: typeof runtimeReadLogBatches;
}

export function defaultServiceHooks(): ServiceHooks {
  return {
    mounter: { mount: (m, t) => mountRootfs(m, t), unmount: (t) => unmountRootfs(t), detach: (t) => detachRootfs(t) },
    buildSpec: runtimeBuildSpec,
    writeContainerFiles: runtimeWriteContainerFiles,
    readLogs: runtimeReadLogs,
    readLogBatches: runtimeReadLogBatches,
  };
}
