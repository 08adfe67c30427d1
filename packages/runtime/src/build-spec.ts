import * as fsSync from 'node:fs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '@berth/errdefs';
import type { RuntimeMount, RuntimeProcess, RuntimeSpec } from '@berth/oci';
import type { DeviceMapping, ExecProcessInput, SpecInput } from './types';
import { containerFilePaths } from './container-files';
import { orderUserMounts } from './mount-order';
import { checkBindPropagation, wantsSharedRoot } from './bind-propagation';
import { parseDeviceCgroupRule } from './device-cgroup-rule';
import { resolveUser } from './user';
import { defaultSeccompProfile, parseSeccompProfile, seccompFor, seccompSupported } from './seccomp-profile';

/** Docker's default PATH for containers whose environment has none. */
export const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Docker's default capability set (moby oci/caps/defaults.go). */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Every capability the kernel knows (for "ALL" and privileged). */
const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** Docker's masked and read-only /proc and /sys paths. */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
];
export const DEFAULT_READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;
const DOCKER_NOFILE = 1048576;

/**
 * Docker gives containers RLIMIT_NOFILE 1048576. Raising a hard limit needs CAP_SYS_RESOURCE,
 * which a sandboxed daemon may lack: never ask for more than this process's own hard limit.
 */
async function defaultNofile(): Promise<number> {
  try {
    const text = await fs.readFile('/proc/self/limits', 'utf8');
    const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(text);
    if (m && m[2] !== 'unlimited') return Math.min(DOCKER_NOFILE, Number(m[2]));
  } catch {
    /* not Linux? keep Docker's value */
  }
  return DOCKER_NOFILE;
}

/** A Docker capability name (`chown`, `CAP_CHOWN`, `ALL`) in the kernel's spelling (`CAP_CHOWN`, `ALL`). */
export function capabilityName(c: string): string {
  const up = c.trim().toUpperCase();
  if (up === 'ALL') return up;
  return up.startsWith('CAP_') ? up : `CAP_${up}`;
}

/** Whether `c` names a capability the kernel knows, or ALL (Docker's NormalizeLegacyCapabilities). */
export function isCapability(c: string): boolean {
  const name = capabilityName(c);
  return name === 'ALL' || ALL_CAPABILITIES.includes(name);
}

function normalizeCap(c: string): string {
  if (!isCapability(c)) throw new InvalidArgumentError(`unknown capability: "${capabilityName(c)}"`);
  return capabilityName(c);
}

let hostCaps: readonly string[] | undefined;

/**
 * Every capability this process may hand out (its bounding set): "ALL" and --privileged mean
 * these, as a sandboxed daemon cannot give what it lacks (the runtime would refuse to start).
 */
export function hostCapabilities(): readonly string[] {
  if (hostCaps) return hostCaps;
  try {
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(fsSync.readFileSync('/proc/self/status', 'utf8'));
    const bnd = m ? BigInt(`0x${m[1]}`) : undefined;
    hostCaps = bnd === undefined ? ALL_CAPABILITIES : ALL_CAPABILITIES.filter((_, i) => ((bnd >> BigInt(i)) & 1n) === 1n);
  } catch {
    hostCaps = ALL_CAPABILITIES;
  }
  return hostCaps;
}

function capabilities(input: SpecInput): string[] {
  const ALL_CAPABILITIES = hostCapabilities();
  if (input.privileged) return [...ALL_CAPABILITIES];
  const add = (input.capAdd ?? []).map(normalizeCap);
  const drop = (input.capDrop ?? []).map(normalizeCap);
  let caps = add.includes('ALL') ? [...ALL_CAPABILITIES] : [...DEFAULT_CAPABILITIES];
  for (const c of add) if (c !== 'ALL' && !caps.includes(c)) caps.push(c);
  if (drop.includes('ALL')) caps = add.filter((c) => c !== 'ALL');
  else caps = caps.filter((c) => !drop.includes(c));
  return caps;
}

function envKey(e: string): string {
  const i = e.indexOf('=');
  return i < 0 ? e : e.slice(0, i);
}

/** Merges env lists the Docker way: later entries replace earlier ones with the same key. */
function mergeEnv(lists: string[][]): string[] {
  const out: string[] = [];
  const index = new Map<string, number>();
  for (const list of lists) {
    for (const e of list) {
      const k = envKey(e);
      const at = index.get(k);
      if (at === undefined) {
        index.set(k, out.length);
        out.push(e);
      } else out[at] = e;
    }
  }
  return out;
}

function defaultMounts(input: SpecInput): RuntimeMount[] {
  const shm = input.shmSize && input.shmSize > 0 ? input.shmSize : DEFAULT_SHM_SIZE;
  const sysRo = input.privileged ? [] : ['ro'];
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', ...sysRo] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', ...sysRo] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shm}`] },
  ];
}

/** Docker resource limits -> OCI linux.resources (also used by OciRuntime.update). */
export function resources(input: Pick<SpecInput, 'resources' | 'privileged'>): NonNullable<NonNullable<RuntimeSpec['linux']>['resources']> {
  const r = input.resources ?? {};
  const out: NonNullable<NonNullable<RuntimeSpec['linux']>['resources']> = {
    devices: input.privileged ? [{ allow: true, access: 'rwm' }] : [{ allow: false, access: 'rwm' }],
  };
  const nonNeg = (v: number | undefined, what: string): number | undefined => {
    if (v === undefined || v === 0) return undefined;
    if (!Number.isSafeInteger(v)) throw new InvalidArgumentError(`${what} ${v}: not an integer`);
    return v;
  };
  const memory = nonNeg(r.memory, 'memory');
  if (memory !== undefined) {
    if (memory < 6 * 1024 * 1024) throw new InvalidArgumentError('memory: minimum memory limit allowed is 6MB');
    let swap = r.memorySwap ?? 0;
    if (swap === 0) swap = memory * 2;
    if (swap > 0 && swap < memory) {
      throw new InvalidArgumentError('memory: minimum memoryswap limit should be larger than memory limit, see usage');
    }
    out.memory = { limit: memory, swap };
  }
  const reservation = nonNeg(r.memoryReservation, 'memory reservation');
  if (reservation !== undefined) out.memory = { ...(out.memory ?? {}), reservation };
  const cpu: NonNullable<typeof out.cpu> = {};
  const shares = nonNeg(r.cpuShares, 'cpu shares');
  if (shares !== undefined) cpu.shares = shares;
  const nano = nonNeg(r.nanoCpus, 'nano cpus');
  if (nano !== undefined) {
    if (r.cpuQuota || r.cpuPeriod) {
      throw new InvalidArgumentError('cpus: conflicting options: Nano CPUs and CPU Period/Quota cannot both be set');
    }
    cpu.period = 100000;
    cpu.quota = Math.round((nano * 100000) / 1e9);
    if (cpu.quota < 1000) throw new InvalidArgumentError('cpus: range of CPUs is from 0.01 to the number of CPUs available');
  } else {
    const q = nonNeg(r.cpuQuota, 'cpu quota');
    const p = nonNeg(r.cpuPeriod, 'cpu period');
    if (q !== undefined) cpu.quota = q;
    if (p !== undefined) cpu.period = p;
  }
  const rtPeriod = nonNeg(r.cpuRealtimePeriod, 'cpu realtime period');
  const rtRuntime = nonNeg(r.cpuRealtimeRuntime, 'cpu realtime runtime');
  if (rtPeriod !== undefined) cpu.realtimePeriod = rtPeriod;
  if (rtRuntime !== undefined) cpu.realtimeRuntime = rtRuntime;
  if (r.cpusetCpus) cpu.cpus = r.cpusetCpus;
  if (r.cpusetMems) cpu.mems = r.cpusetMems;
  if (Object.keys(cpu).length) out.cpu = cpu;
  if (r.pidsLimit !== undefined && r.pidsLimit > 0) out.pids = { limit: r.pidsLimit };
  return out;
}

/**
 * Builds the OCI runtime spec (config.json) for a container, with Docker's defaults:
 * default capabilities, masked and read-only paths, /proc /dev /sys mounts, pid/ipc/uts/mount
 * namespaces plus a network namespace unless the network is "host", the container's hostname,
 * hosts and resolv.conf bind-mounted from `containerDir`, resources in linux.resources,
 * RLIMIT_NOFILE 1048576 and Docker's default seccomp profile (seccomp-profile.ts).
 *
 * Reads the rootfs's /etc/passwd and /etc/group to resolve the user. Throws InvalidArgumentError
 * for a missing command, a relative working dir, an unknown user/group or capability.
 */
export async function buildSpec(input: SpecInput): Promise<RuntimeSpec> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(input.id)) throw new InvalidArgumentError(`container "${input.id}": invalid id`);
  const args = [...(input.entrypoint ?? []), ...(input.cmd ?? [])];
  if (args.length === 0) throw new InvalidArgumentError('no command specified');
  const workingDir = input.workingDir && input.workingDir !== '' ? input.workingDir : '/';
  if (!path.posix.isAbsolute(workingDir)) {
    throw new InvalidArgumentError(`the working directory '${workingDir}' is invalid, it needs to be an absolute path`);
  }
  const user = await resolveUser(input.rootfs, input.user, input.groupAdd);
  const given = input.env ?? [];
  const base: string[] = [];
  if (!given.some((e) => envKey(e) === 'PATH')) base.push(DEFAULT_PATH_ENV);
  base.push(`HOSTNAME=${input.hostname}`);
  if (input.tty) base.push('TERM=xterm');
  const env = mergeEnv([base, given]);
  if (!env.some((e) => envKey(e) === 'HOME')) env.push(`HOME=${user.home || '/'}`);

  const caps = capabilities(input);
  const nofile = input.nofile ?? (await defaultNofile());
  const network = input.network ?? 'default';
  const joined = input.namespacePaths ?? {};
  const shared = new Set(input.hostNamespaces ?? []);
  const namespaces: { type: string; path?: string }[] = [];
  for (const t of ['pid', 'ipc', 'uts'] as const) {
    if (shared.has(t)) continue;
    const p = t === 'uts' ? undefined : joined[t];
    namespaces.push(p ? { type: t, path: p } : { type: t });
  }
  namespaces.push({ type: 'mount' });
  if (joined.network) namespaces.push({ type: 'network', path: joined.network });
  else if (network !== 'host') namespaces.push({ type: 'network' });

  const containerFiles: RuntimeMount[] = containerFilePaths(input.containerDir).mounts.map((m) => ({ ...m, type: 'bind', options: ['rbind', 'rprivate'] }));
  const own = orderUserMounts(input.mounts ?? [], (m) => m.destination);
  const mounts = [...defaultMounts(input).filter((m) => !own.covers(m.destination)), ...containerFiles.filter((m) => !own.covers(m.destination)), ...own.ordered];

  for (const m of own.ordered) await checkBindPropagation(m);
  const res = resources(input);
  const devices = await deviceNodes(input.devices ?? []);
  if (input.privileged) {
    const given = new Set(devices.nodes.map((d) => d.path));
    for (const d of await hostDevices()) if (!given.has(d.path)) devices.nodes.push(d);
  }
  const seccomp = seccompOf(input, caps);
  const sysctl = await sysctlsOf(input, network);
  const spec: RuntimeSpec = {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: Boolean(input.tty),
      ...(input.tty && input.consoleSize && input.consoleSize.height > 0 && input.consoleSize.width > 0
        ? { consoleSize: { height: input.consoleSize.height, width: input.consoleSize.width } }
        : {}),
      user: { uid: user.uid, gid: user.gid, ...(user.additionalGids.length ? { additionalGids: user.additionalGids } : {}) },
      args,
      env,
      cwd: path.posix.normalize(workingDir).replace(/(.)\/+$/, '$1'),
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: rlimitsOf(input, nofile),
      noNewPrivileges: Boolean(input.noNewPrivileges),
      ...(input.apparmorProfile ? { apparmorProfile: input.apparmorProfile } : {}),
      ...(input.oomScoreAdj ? { oomScoreAdj: input.oomScoreAdj } : {}),
    },
    root: { path: input.rootfs, readonly: Boolean(input.readonlyRootfs) },
    hostname: input.hostname,
    mounts,
    annotations: { ...(input.annotations ?? {}) },
    linux: {
      namespaces,
      // cleaned as runc's CleanPath does (Docker's cgroupfs driver): `..` never climbs above the
      // cgroup root; crun takes the path as written, so `--cgroup-parent ../../../../etc` had it
      // make a directory and write cgroup files (cgroup.procs, memory.limit_in_bytes) in the host's /etc
      cgroupsPath: path.posix.join(path.posix.normalize(`/${input.cgroupParent ?? 'berth'}`), input.id),
      resources: { ...res, devices: [...(res.devices ?? []), ...devices.allow, ...(input.deviceCgroupRules ?? []).map(parseDeviceCgroupRule)] },
      ...(wantsSharedRoot(own.ordered) ? { rootfsPropagation: 'shared' } : {}),
      ...(devices.nodes.length ? { devices: devices.nodes } : {}),
      ...(input.privileged
        ? {}
        : { maskedPaths: [...(input.maskedPaths ?? DEFAULT_MASKED_PATHS)], readonlyPaths: [...(input.readonlyPaths ?? DEFAULT_READONLY_PATHS)] }),
      ...(seccomp ? { seccomp } : {}),
      ...(Object.keys(sysctl).length ? { sysctl } : {}),
    },
  };
  return spec;
}

/**
 * linux.sysctl as Docker 20.10 writes it (moby daemon/oci_linux.go): with a network namespace of
 * its own, a container may open ICMP sockets and bind ports below 1024 without privileges
 * (when the host kernel has those sysctls), kernel.domainname for a Domainname; then the
 * container's own Sysctls, which win. The runtime refuses those of no namespace of the container's.
 */
async function sysctlsOf(input: SpecInput, network: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (input.domainname) out['kernel.domainname'] = input.domainname;
  if (network !== 'host') {
    const has = (name: string): Promise<boolean> => fs.access(path.join('/proc/sys', ...name.split('.'))).then(() => true, () => false);
    if (await has('net.ipv4.ping_group_range')) out['net.ipv4.ping_group_range'] = '0 2147483647';
    if (await has('net.ipv4.ip_unprivileged_port_start')) out['net.ipv4.ip_unprivileged_port_start'] = '0';
  }
  return { ...out, ...(input.sysctls ?? {}) };
}

/** Docker's rule: no filter for privileged or `unconfined`; else the given profile or the default, for these capabilities. */
function seccompOf(input: SpecInput, caps: readonly string[]): NonNullable<RuntimeSpec['linux']>['seccomp'] {
  if (input.privileged || input.seccomp === 'unconfined') return undefined;
  const builtin = input.seccomp === undefined || input.seccomp === '' || input.seccomp === 'builtin';
  if (!kernelHasSeccomp()) {
    // Docker's rule: without seccomp in the kernel the default profile is dropped (berthd warns
    // at start), a profile of the container's own is an error
    if (builtin) return undefined;
    throw new InvalidArgumentError('seccomp is not enabled in your kernel, cannot run a custom seccomp profile');
  }
  const profile = builtin ? defaultSeccompProfile() : parseSeccompProfile(input.seccomp!);
  return seccompFor(profile, caps);
}

let seccompInKernel: boolean | undefined;

function kernelHasSeccomp(): boolean {
  if (seccompInKernel === undefined) {
    try {
      seccompInKernel = seccompSupported(fsSync.readFileSync('/proc/self/status', 'utf8'));
    } catch {
      seccompInKernel = false;
    }
  }
  return seccompInKernel;
}

const ULIMITS: Record<string, string> = {
  core: 'RLIMIT_CORE', cpu: 'RLIMIT_CPU', data: 'RLIMIT_DATA', fsize: 'RLIMIT_FSIZE', locks: 'RLIMIT_LOCKS',
  memlock: 'RLIMIT_MEMLOCK', msgqueue: 'RLIMIT_MSGQUEUE', nice: 'RLIMIT_NICE', nofile: 'RLIMIT_NOFILE',
  nproc: 'RLIMIT_NPROC', rss: 'RLIMIT_RSS', rtprio: 'RLIMIT_RTPRIO', rttime: 'RLIMIT_RTTIME',
  sigpending: 'RLIMIT_SIGPENDING', stack: 'RLIMIT_STACK', as: 'RLIMIT_AS',
};

function rlimitsOf(input: SpecInput, nofile: number): { type: string; hard: number; soft: number }[] {
  const out = new Map<string, { type: string; hard: number; soft: number }>();
  out.set('RLIMIT_NOFILE', { type: 'RLIMIT_NOFILE', hard: nofile, soft: nofile });
  for (const u of input.ulimits ?? []) {
    const type = ULIMITS[u.name];
    if (!type) throw new InvalidArgumentError(`ulimit "${u.name}": invalid ulimit type`);
    if (!Number.isSafeInteger(u.soft) || !Number.isSafeInteger(u.hard) || u.soft < -1 || u.hard < -1) {
      throw new InvalidArgumentError(`ulimit "${u.name}": invalid values ${u.soft}:${u.hard}`);
    }
    const max = 2 ** 63 - 1;
    const soft = u.soft === -1 ? max : u.soft;
    const hard = u.hard === -1 ? max : u.hard;
    if (soft > hard) throw new InvalidArgumentError(`ulimit "${u.name}": soft limit ${u.soft} is larger than hard limit ${u.hard}`);
    out.set(type, { type, soft, hard });
  }
  return [...out.values()];
}

type OciDevice = NonNullable<NonNullable<RuntimeSpec['linux']>['devices']>[number];
type OciDeviceRule = NonNullable<NonNullable<NonNullable<RuntimeSpec['linux']>['resources']>['devices']>[number];

const SKIP_DEV_DIRS = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);
const SKIP_DEV_NODES = new Set(['/dev/console', '/dev/ptmx', '/dev/tty', '/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom']);

/** `--privileged`: every device node of the host's /dev (as runc's HostDevices: not pts, shm, mqueue, fd, console). */
async function hostDevices(dir = '/dev', depth = 0): Promise<OciDevice[]> {
  const out: OciDevice[] = [];
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (depth < 4 && !SKIP_DEV_DIRS.has(e.name)) out.push(...(await hostDevices(p, depth + 1)));
      continue;
    }
    if (!e.isCharacterDevice() && !e.isBlockDevice()) continue;
    if (SKIP_DEV_NODES.has(p)) continue;
    const st = await fs.stat(p).catch(() => undefined);
    if (!st) continue;
    const major = Number((BigInt(st.rdev) >> 8n) & 0xfffn);
    const minor = Number((BigInt(st.rdev) & 0xffn) | ((BigInt(st.rdev) >> 12n) & 0xfff00n));
    out.push({ path: p, type: st.isCharacterDevice() ? 'c' : 'b', major, minor, fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid });
  }
  return out;
}

/** `--device`: the host node's type and numbers, made at the container path and allowed in the cgroup. */
async function deviceNodes(list: DeviceMapping[]): Promise<{ nodes: OciDevice[]; allow: OciDeviceRule[] }> {
  const nodes: OciDevice[] = [];
  const allow: OciDeviceRule[] = [];
  for (const d of list) {
    let st: fsSync.Stats;
    try {
      st = await fs.stat(d.pathOnHost);
    } catch {
      throw new InvalidArgumentError(`error gathering device information while adding custom device "${d.pathOnHost}": no such file or directory`);
    }
    if (!st.isCharacterDevice() && !st.isBlockDevice()) {
      throw new InvalidArgumentError(`error gathering device information while adding custom device "${d.pathOnHost}": not a device node`);
    }
    const perms = d.cgroupPermissions || 'rwm';
    if (!/^[rwm]{1,3}$/.test(perms)) throw new InvalidArgumentError(`invalid device mode: ${perms}`);
    const target = d.pathInContainer || d.pathOnHost;
    if (!path.posix.isAbsolute(target)) throw new InvalidArgumentError(`${target} is not an absolute path`);
    const type = st.isCharacterDevice() ? 'c' : 'b';
    const major = Number((BigInt(st.rdev) >> 8n) & 0xfffn);
    const minor = Number((BigInt(st.rdev) & 0xffn) | ((BigInt(st.rdev) >> 12n) & 0xfff00n));
    nodes.push({ path: target, type, major, minor, fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid });
    allow.push({ allow: true, type, major, minor, access: perms });
  }
  return { nodes, allow };
}

/**
 * The process for `docker exec` in a container built from `spec`: the container's capabilities,
 * rlimits and environment (exec env merged over it), its user and working directory unless given
 * (names resolved in the container's rootfs, `spec.root.path`).
 */
export async function buildExecProcess(spec: RuntimeSpec, input: ExecProcessInput): Promise<RuntimeProcess> {
  if (!input.cmd || input.cmd.length === 0) throw new InvalidArgumentError('exec: no command specified');
  const base = spec.process;
  let user = { ...base.user };
  if (input.user !== undefined && input.user !== '') {
    const u = await resolveUser(spec.root.path, input.user);
    user = { uid: u.uid, gid: u.gid, ...(u.additionalGids.length ? { additionalGids: u.additionalGids } : {}) };
  }
  const cwd = input.workingDir && input.workingDir !== '' ? input.workingDir : base.cwd;
  if (!path.posix.isAbsolute(cwd)) throw new InvalidArgumentError(`exec: the working directory '${cwd}' is invalid, it needs to be an absolute path`);
  const env = mergeEnv([base.env ?? [], input.tty ? ['TERM=xterm'] : [], input.env ?? []]);
  const caps = input.privileged ? [...hostCapabilities()] : base.capabilities?.bounding ?? [...DEFAULT_CAPABILITIES];
  return {
    terminal: Boolean(input.tty),
    ...(input.tty && input.consoleSize && input.consoleSize.height > 0 && input.consoleSize.width > 0
      ? { consoleSize: { height: input.consoleSize.height, width: input.consoleSize.width } }
      : {}),
    user,
    args: [...input.cmd],
    env,
    cwd,
    capabilities: { bounding: caps, effective: caps, permitted: caps },
    ...(base.rlimits ? { rlimits: base.rlimits } : {}),
    noNewPrivileges: base.noNewPrivileges ?? false,
    ...(base.apparmorProfile ? { apparmorProfile: base.apparmorProfile } : {}),
    ...(base.oomScoreAdj !== undefined ? { oomScoreAdj: base.oomScoreAdj } : {}),
  };
}
