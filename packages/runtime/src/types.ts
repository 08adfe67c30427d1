/**
 * Vocabulary of @berth/runtime.
 *
 * - bundle: a directory holding an OCI `config.json`; the root filesystem is mounted
 *   elsewhere (or at `<bundle>/rootfs`) and named by `config.json`'s `root.path`.
 * - runtime: the OCI runtime binary (runc or crun) that creates the container's namespaces.
 * - shim: `berth-shim`, one small supervisor process per running container. It owns the
 *   container's stdio, writes the json-file log, reaps the init process and records its exit in
 *   `exit.json`. It outlives a daemon crash; the daemon reconnects over `shim.sock`. Both are in
 *   its state dir: the bundle, or CreateOptions.stateDir.
 * - task: a running (or created, not yet started) container process as seen through its shim.
 */
import type { Logger } from '@berth/log';
import type { RuntimeMount } from '@berth/oci';

/** The logger the runtime writes to (@berth/log's; silent by default). */
export type { Logger };

/** How a container ended. */
export interface ExitStatus {
  /** The process's exit code; 128+N when killed by signal N; 255 when the shim vanished. */
  exitCode: number;
  /** RFC3339Nano, UTC. */
  finishedAt: string;
  /** True when the kernel's OOM killer killed a process of the container. */
  oomKilled: boolean;
}

export type OutputStream = 'stdout' | 'stderr';

/** A piece of container output, exactly as the process wrote it (not split into lines). */
export interface OutputChunk {
  stream: OutputStream;
  data: Buffer;
}

/** The state the OCI runtime reports for a container (`runc state`). */
export interface RuntimeState {
  id: string;
  /** 'creating' | 'created' | 'running' | 'paused' | 'stopped' */
  status: string;
  pid: number;
  bundle: string;
}

/** A mount description as the image-store snapshotter returns it (containerd style). */
export interface MountDescription {
  type: string;
  source: string;
  options: string[];
  /** Directory the mount command runs from: overlay lowerdirs may be short relative link names. */
  cwd?: string;
}

/** Resource limits, in Docker's HostConfig units. 0/undefined means unlimited. */
export interface ResourceLimits {
  /** Bytes. */
  memory?: number;
  /** Bytes, memory+swap; -1 unlimited swap. */
  memorySwap?: number;
  memoryReservation?: number;
  /** Relative weight (default 1024). */
  cpuShares?: number;
  /** CPUs × 1e9 (docker --cpus). Turned into quota/period. */
  nanoCpus?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  /** Max processes; 0/-1/undefined unlimited. */
  pidsLimit?: number;
  /** `--cpu-rt-period` / `--cpu-rt-runtime` (µs, cgroup v1 cpu.rt_*). */
  cpuRealtimePeriod?: number;
  cpuRealtimeRuntime?: number;
}

/** Network mode as far as the runtime cares: which network namespace the container gets. */
export type NetworkMode = 'none' | 'default' | 'bridge' | 'host' | string;

/** Everything buildSpec needs; the daemon maps Docker's Config+HostConfig onto this. */
export interface SpecInput {
  /** Container ID (64 hex); used for the cgroup path. */
  id: string;
  /** Host path of the mounted root filesystem (becomes root.path; /etc/passwd is read from it). */
  rootfs: string;
  /** The container's own directory holding hostname, hosts, resolv.conf (writeContainerFiles). */
  containerDir: string;
  entrypoint?: string[] | null;
  cmd?: string[] | null;
  env?: string[] | null;
  workingDir?: string;
  /** `uid`, `uid:gid`, `name`, `name:group`, ... as in Docker's Config.User. Default root. */
  user?: string;
  /** Docker's HostConfig.GroupAdd: names or numbers. */
  groupAdd?: string[];
  hostname: string;
  domainname?: string;
  /** Allocate a pseudo-terminal (Docker's Tty): output is one stream, logged as stdout. */
  tty?: boolean;
  /** Initial terminal size (Docker's HostConfig.ConsoleSize [height, width]). */
  consoleSize?: { height: number; width: number };
  network?: NetworkMode;
  /**
   * Namespaces joined by path instead of new ones: `network` a netns file (berth's network
   * component, or `/proc/<pid>/ns/net` of the container named by `--network container:X`),
   * `ipc`/`pid` another container's (`--ipc`/`--pid container:X`).
   */
  namespacePaths?: { network?: string; ipc?: string; pid?: string };
  /** Namespaces shared with the host (none made): `--pid host`, `--ipc host`, `--uts host`. */
  hostNamespaces?: ('pid' | 'ipc' | 'uts')[];
  resources?: ResourceLimits;
  /** Extra mounts (binds, volumes, tmpfs), already in OCI form. */
  mounts?: RuntimeMount[];
  readonlyRootfs?: boolean;
  privileged?: boolean;
  /** Paths masked in the container (Docker's HostConfig.MaskedPaths); default Docker's list. Ignored when privileged. */
  maskedPaths?: string[];
  /** Paths made read-only (Docker's HostConfig.ReadonlyPaths); default Docker's list. Ignored when privileged. */
  readonlyPaths?: string[];
  /** Docker names with or without CAP_ prefix, or "ALL". */
  capAdd?: string[];
  capDrop?: string[];
  /** Parent cgroup; the cgroupsPath becomes `<cgroupParent>/<id>`. Default "berth". */
  cgroupParent?: string;
  /** Extra annotations. */
  annotations?: Record<string, string>;
  /** OOM score adjustment. */
  oomScoreAdj?: number;
  /** RLIMIT_NOFILE (soft=hard). Default Docker's 1048576, capped at this process's hard limit. */
  nofile?: number;
  /** Shared memory size in bytes (default 64 MiB, like Docker). */
  shmSize?: number;
  /** `--security-opt no-new-privileges`. */
  noNewPrivileges?: boolean;
  /**
   * `--security-opt seccomp=...`: `unconfined` (no filter) or a profile's JSON text (Docker's
   * schema); Docker's default profile when absent. Privileged containers get no filter.
   */
  seccomp?: string;
  /** The AppArmor profile the process runs under (AppArmor.profileFor; none when empty). */
  apparmorProfile?: string;
  /** HostConfig.Sysctls (namespaced ones: kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*, net.*). */
  sysctls?: Record<string, string>;
  /** `--device host[:container[:perms]]`: host device nodes made in the container and allowed in its cgroup. */
  devices?: DeviceMapping[];
  /** `--device-cgroup-rule`: docker's `TYPE MAJOR:MINOR ACCESS` allow rules, after the devices' own. */
  deviceCgroupRules?: string[];
  /** `--ulimit`: Docker names (`nofile`, `nproc`, `core`, ...) with soft and hard values. */
  ulimits?: { name: string; soft: number; hard: number }[];
}

/** Docker's HostConfig.Devices entry. */
export interface DeviceMapping {
  pathOnHost: string;
  pathInContainer: string;
  /** Any of r, w, m (default rwm). */
  cgroupPermissions?: string;
}

export interface ContainerFilesInput {
  hostname: string;
  /**
   * The exact content of /etc/hosts and /etc/resolv.conf (@berth/network makes them for every
   * network mode): written as given, in place (a running container's bind mount sees the change).
   */
  hosts: string;
  resolvConf: string;
}

export interface RuntimeConfig {
  /** 'runc' (default) or 'crun'. */
  name?: 'runc' | 'crun';
  /** Path of the runtime binary; default: found on PATH by name. */
  binary?: string;
  /** State directory passed as `--root` (e.g. <data-root>/runtime/runc). Required. */
  stateRoot: string;
  /** Path of the berth-shim binary; default: the package's shim/build/berth-shim. */
  shimPath?: string;
  /** Where compiled seccomp filters are kept (crun: SeccompBpfCache); default: memory only. */
  seccompCacheDir?: string;
  logger?: Logger;
}

export interface CreateOptions {
  /** Container ID, as the runtime will know it. */
  id: string;
  /** Bundle directory; config.json must exist there (or pass spec). */
  bundle: string;
  /**
   * Where the shim keeps its own files (shim.sock, shim.log, init.pid, console.sock, exit.json);
   * default the bundle. berthd gives a dir under its exec root (a tmpfs, off the data root);
   * reconnect() is then given the same dir.
   */
  stateDir?: string;
  /** If given, written to <bundle>/config.json first. */
  spec?: import('@berth/oci').RuntimeSpec;
  /** json-file log path; omit to disable logging (output still reaches subscribers). */
  /** json-file rotation: the log is rotated before it would pass this many bytes (0/undefined: never). */
  logMaxSize?: number;
  /** Files kept, the live one included (docker's max-file, default 1: the file is truncated). */
  logMaxFiles?: number;
  logPath?: string;
  /** Give the container a stdin pipe (Docker's OpenStdin); otherwise stdin is /dev/null. */
  openStdin?: boolean;
  /** OOM counter file to read at exit (cgroup v1 memory.oom_control or v2 memory.events). Computed when omitted. */
  oomFile?: string;
  /**
   * Run the process at once, in the same runtime call (`runtime run --detach`: one runtime
   * process less than create + start). Output produced before `task.start()` is held and handed
   * to the subscribers made in between when start() is called, so the usual create → subscribe →
   * start sequence sees everything; start() then only releases it.
   */
  runAtOnce?: boolean;
  signal?: AbortSignal;
}

export interface LogEntry {
  stream: OutputStream;
  /** RFC3339Nano as stored in the file. */
  time: string;
  /** The bytes of the line, including its trailing "\n" when the line was complete. */
  line: Buffer;
}

export interface ReadLogsOptions {
  stdout?: boolean;
  stderr?: boolean;
  /** Only entries at or after this time: Date, unix seconds (number, may be fractional) or RFC3339 string. */
  since?: Date | number | string;
  /** Only entries before this time. */
  until?: Date | number | string;
  /** Only the last N entries (after stream filtering); undefined/'all'/negative = all. */
  tail?: number | 'all';
  /** Keep reading new entries until `signal` aborts or `stopWhen` resolves. */
  follow?: boolean;
  signal?: AbortSignal;
  /** With follow: stop (after reading what is left in the file) when this promise settles, e.g. task.wait(). */
  stopWhen?: Promise<unknown>;
}

export interface HostProblem {
  /** Short machine key: 'root' | 'overlayfs' | 'cgroups' | 'runtime' | 'shim'. */
  key: string;
  /** One line naming the fix. */
  message: string;
}

/** docker exec: the extra process to run in a running container. */
export interface ExecProcessInput {
  /** Command and arguments (Docker's Cmd of the exec). */
  cmd: string[];
  /** Extra environment; merged over the container's (later wins). */
  env?: string[] | null;
  /** `uid[:gid]` or names; default: the container's user. */
  user?: string;
  /** Default: the container's working directory. */
  workingDir?: string;
  tty?: boolean;
  consoleSize?: { height: number; width: number };
  /** All capabilities (docker exec --privileged). */
  privileged?: boolean;
}

export interface ExecOptions {
  /** The container's ID (as the runtime knows it). */
  id: string;
  /** A directory of the exec's own (berthd's: <exec root>/containers/<id>/exec/<execId>): process.json, shim.sock, exit.json. */
  dir: string;
  /** The process to run (buildExecProcess). */
  process: import('@berth/oci').RuntimeProcess;
  /** Give the process a stdin pipe (Docker's AttachStdin). */
  openStdin?: boolean;
  /**
   * Run the process at once (`runtime exec --detach` while the daemon connects to the shim):
   * exec() then resolves with the process running (or rejects with its failure) and output is
   * held until `task.start()`, as with CreateOptions.runAtOnce.
   */
  runAtOnce?: boolean;
  signal?: AbortSignal;
}
