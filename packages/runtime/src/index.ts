/**
 * @berth/runtime: turns a prepared root filesystem into a running, supervised container.
 *
 * - buildSpec: Docker-style container settings -> OCI runtime spec (config.json).
 * - writeContainerFiles: the container's hostname, hosts and resolv.conf.
 * - mountRootfs / unmountRootfs: perform the image-store's mount descriptions; removeBundle.
 * - OciRuntime: drives runc or crun through one berth-shim per container (create, start,
 *   kill, state, reconnect after a daemon restart).
 * - readLogs: reads Docker json-file logs (tail, since/until, follow).
 * - checkHost: start-up checks that name their fix.
 */
export type {
  Logger,
  ExitStatus,
  OutputStream,
  OutputChunk,
  RuntimeState,
  MountDescription,
  ResourceLimits,
  NetworkMode,
  SpecInput,
  DeviceMapping,
  ContainerFilesInput,
  RuntimeConfig,
  CreateOptions,
  LogEntry,
  ReadLogsOptions,
  HostProblem,
  ExecProcessInput,
  ExecOptions,
} from './types';
export type { Task } from './task';
export { buildSpec, buildExecProcess, DEFAULT_CAPABILITIES, DEFAULT_PATH_ENV, DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, hostCapabilities, capabilityName, isCapability } from './build-spec';
export { resolveUser, type ResolvedUser } from './user';
export { AppArmor, defaultAppArmorProfile, parseAppArmorParserVersion, systemAppArmorHost, DEFAULT_APPARMOR_PROFILE, UNCONFINED_APPARMOR_PROFILE, type AppArmorHost, type AppArmorProfileData, type AppArmorState } from './apparmor';
export { SeccompBpfCache, seccompFilterInput, crunLayoutBpf, SECCOMP_BPF_ANNOTATION, type SeccompFilterInput } from './seccomp-bpf';
export { seccompFor, parseSeccompProfile, defaultSeccompProfile, seccompSupported, type SeccompProfile, type SeccompRule } from './seccomp-profile';
export { writeContainerFiles, containerFilePaths } from './container-files';
export { orderUserMounts } from './mount-order';
export { parseDeviceCgroupRule, type DeviceCgroupRule } from './device-cgroup-rule';
export { checkBindPropagation, sourceMountOf } from './bind-propagation';
export { mountRootfs, unmountRootfs, detachRootfs, isMountPoint } from './mount';
export { removeBundle } from './remove-bundle';
export { OciRuntime, DEFAULT_SHIM_PATH, shimAnswers } from './oci-runtime';
export { shimSocketPath, removeShimFiles } from './shim-files';
export { exitFilePath } from './exit-file';
export type { RuntimeVersion } from './runtime-version';
export { parseSignal } from './signals';
export { startErrorExitCode, runtimeErrorText } from './start-error';
export { readLogs, readLogBatches, fixedNanoTime, parseRfc3339Nano } from './log-reader';
export { checkHost } from './check-host';
export { readCgroupStats, type CgroupStats, type CpuStats, type BlkioEntry } from './cgroup-stats';
