import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidArgumentError } from '@berth/errdefs';
import { JsonNumber, goAtoi, goInt, goJsonKind, int64Value, parseHumanSize, type ContainerConfig, type HostConfig, type Int64 } from '@berth/api';
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, capabilityName, isCapability, parseDeviceCgroupRule, parseSeccompProfile, parseSignal } from '@berth/runtime';
import { checkNetworkModeConflicts, normalizeNetworking, type StoredNetworking } from './network-mode';
import { splitSecurityOpt } from './security-opts';

/**
 * Checks a `POST /containers/create` body (hostile JSON) and returns its parts, typed. Anything
 * malformed or out of range is an InvalidArgumentError (400) with docker's message where docker
 * has one; unknown fields are ignored, as docker ignores them. Nothing here touches the disk.
 */
export interface ValidatedCreate {
  config: ContainerConfig;
  hostConfig: HostConfig;
  /** The networks the container joins at start (NetworkMode's, with its EndpointsConfig). */
  networkingConfig: StoredNetworking;
  /** Things accepted but not honoured (returned to the client as Warnings). */
  warnings: string[];
}

const RESTART_POLICIES = ['', 'no', 'always', 'on-failure', 'unless-stopped'];
const PORT_RE = /^\d{1,5}(-\d{1,5})?(\/(tcp|udp|sctp))?$/i;
const HOSTNAME_RE = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,253})?$/;
const VOLUME_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const BIND_MODES = new Set(['ro', 'rw', 'z', 'Z', 'nocopy', 'shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate', 'consistent', 'cached', 'delegated']);
const MIN_MEMORY = 6 * 1024 * 1024;
/** moby's container.MinimumDuration (1ms), in ns. */
const MIN_HEALTH_DURATION_NS = 1_000_000;

function bad(msg: string): never {
  throw new InvalidArgumentError(msg);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Docker's StrSlice: null, a string, or an array of strings. */
function strSlice(v: unknown, field: string): string[] | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return bad(`${field}: expected an array of strings`);
}

function strArray(v: unknown, field: string): string[] | null {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return bad(`${field}: expected an array of strings`);
}

function str(v: unknown, field: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  return bad(`${field}: expected a string`);
}

function bool(v: unknown, field: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  return bad(`${field}: expected a boolean`);
}

/** Go's name (struct and field path) and type of a number field of the create body, as its decoder's errors print them. */
function goField(field: string): [string, string] {
  if (field.startsWith('Ulimits.')) return [`Ulimit.HostConfig.${field}`, 'int64'];
  if (field.startsWith('Healthcheck.')) return [`HealthConfig.${field}`, field === 'Healthcheck.Retries' ? 'int' : 'time.Duration'];
  if (field.startsWith('RestartPolicy.')) return [`RestartPolicy.HostConfig.${field}`, 'int'];
  if (field === 'StopTimeout') return ['ContainerConfigWrapper.StopTimeout', 'int'];
  return [`HostConfig.HostConfig.${field}`, field === 'OomScoreAdj' ? 'int' : field === 'BlkioWeight' ? 'uint16' : 'int64'];
}

/**
 * An integer field as Go's encoding/json decodes it (the body read by parseJsonExact): a literal
 * with a fraction or an exponent (`1e30`, `1.0`) or out of the Go type's range is refused with
 * Go's text, quoting the literal; an int64 beyond 2^53 comes back as a bigint.
 */
function int64(v: unknown, field: string): Int64 {
  const [where, type] = goField(field);
  return goInt(v, where, type);
}

/** verifyPlatformContainerResources' words for a KernelMemory > 0 where the kernel has no kmem limit (the limit is then discarded). */
const KERNEL_MEMORY_WARNINGS = [
  'Specifying a kernel memory limit is deprecated and will be removed in a future release.',
  'Your kernel does not support kernel memory limit capabilities or the cgroup is not mounted. Limitation discarded.',
];

/**
 * The Go ints and durations of a container Config given on its own (a commit body, decoded by
 * Docker as its ContainerConfigWrapper): StopTimeout and the Healthcheck's, read exactly (a
 * bigint beyond 2^53) in place, Go's refusal for a fraction, an exponent or a value past int64.
 */
export function checkConfigNumbers(body: Record<string, unknown>): void {
  if (body.StopTimeout !== undefined && body.StopTimeout !== null) body.StopTimeout = int64(body.StopTimeout, 'StopTimeout');
  const hc = body.Healthcheck;
  if (!isObject(hc)) return;
  for (const k of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries']) {
    if (hc[k] !== undefined && hc[k] !== null) hc[k] = int64(hc[k], `Healthcheck.${k}`);
  }
}

/** UpdateConfig's number fields (Resources' and the restart policy's), as Go decodes an update body. */
export function checkUpdateNumbers(body: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(body)) {
    if (k === 'RestartPolicy' && isObject(v)) goInt(v.MaximumRetryCount, 'RestartPolicy.RestartPolicy.MaximumRetryCount', 'int');
    else if (UPDATE_NUMBERS.includes(k)) goInt(v, `UpdateConfig.${k}`, k === 'BlkioWeight' ? 'uint16' : 'int64');
  }
}
const UPDATE_NUMBERS = ['Memory', 'MemorySwap', 'MemoryReservation', 'KernelMemory', 'KernelMemoryTCP', 'NanoCpus', 'CpuShares', 'CpuPeriod', 'CpuQuota', 'CpuRealtimePeriod', 'CpuRealtimeRuntime', 'PidsLimit', 'BlkioWeight', 'MemorySwappiness', 'CpuCount', 'CpuPercent'];

/** A cpuset list (`0-3,5`): its numbers, or undefined when it is not one. */
function parseCpuset(list: string): number[] | undefined {
  const out: number[] = [];
  for (const part of list.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo || hi - lo > 65536) return undefined;
    for (let i = lo; i <= hi; i++) out.push(i);
  }
  return out;
}

/** docker's check of CpusetCpus/CpusetMems against what the host has online (moby daemon_unix.go). */
function checkCpuset(value: string, what: 'cpus' | 'mems'): void {
  if (value === '') return;
  const wanted = parseCpuset(value);
  if (!wanted) bad(`Invalid value ${value} for cpuset ${what}`);
  const file = what === 'cpus' ? '/sys/devices/system/cpu/online' : '/sys/devices/system/node/online';
  let online: string;
  try {
    online = fs.readFileSync(file, 'utf8').trim();
  } catch {
    online = what === 'cpus' ? `0-${os.cpus().length - 1}` : '0';
  }
  const have = new Set(parseCpuset(online) ?? []);
  if (wanted.some((n) => !have.has(n))) {
    bad(what === 'cpus' ? `Requested CPUs are not available - requested ${value}, available: ${online}` : `Requested memory nodes are not available - requested ${value}, available: ${online}`);
  }
}

/** IPC sysctls a container's own IPC namespace holds (runc's list). */
const IPC_SYSCTLS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);

/**
 * Sysctls: only those of a namespace the container has of its own, as runc decides at start
 * (libcontainer/configs/validate): checked here for a 400 at create, with runc's words.
 */
function checkSysctls(sysctls: Record<string, string>, networkMode: string): void {
  for (const k of Object.keys(sysctls)) {
    if (IPC_SYSCTLS.has(k) || k.startsWith('fs.mqueue.')) continue;
    if (k.startsWith('net.')) {
      if (networkMode === 'host') bad(`sysctl "${k}" is not allowed in the hosts network namespace`);
      continue;
    }
    if (k === 'kernel.domainname') continue;
    if (k === 'kernel.hostname') bad(`sysctl "${k}" is not allowed as it conflicts with the OCI "hostname" field`);
    bad(`sysctl "${k}" is not in a separate kernel namespace`);
  }
}

function strMap(v: unknown, field: string): Record<string, string> | null {
  if (v === undefined || v === null) return null;
  if (!isObject(v)) return bad(`${field}: expected an object of strings`);
  for (const x of Object.values(v)) if (typeof x !== 'string') bad(`${field}: expected an object of strings`);
  return v as Record<string, string>;
}

function emptySet(v: unknown, field: string, check?: (k: string) => void): Record<string, object> | null {
  if (v === undefined || v === null) return null;
  if (!isObject(v)) return bad(`${field}: expected an object`);
  if (check) for (const k of Object.keys(v)) check(k);
  return Object.fromEntries(Object.keys(v).map((k) => [k, {}]));
}

function checkPort(k: string): void {
  if (!PORT_RE.test(k)) bad(`invalid port specification: "${k}"`);
  const [range] = k.split('/');
  for (const p of range!.split('-')) if (Number(p) < 1 || Number(p) > 65535) bad(`invalid port specification: "${k}"`);
}

export function validateEnv(env: string[] | null): void {
  for (const e of env ?? []) {
    const key = e.split('=')[0]!;
    if (key === '' || /[\0]/.test(e)) bad(`invalid environment variable: ${e}`);
  }
}

/** `src:dst[:mode]` with an absolute host path or a volume name as src. */
export function checkBind(b: string): void {
  const parts = b.split(':');
  if (parts.length < 2 || parts.length > 3) bad(`invalid volume specification: '${b}'`);
  const [src, dst, mode] = parts as [string, string, string | undefined];
  if (!src || !dst || !path.posix.isAbsolute(dst)) bad(`invalid volume specification: '${b}'`);
  if (!path.posix.isAbsolute(src) && !VOLUME_NAME_RE.test(src)) bad(`invalid volume specification: '${b}'`);
  if (path.posix.normalize(dst) === '/') bad(`invalid volume specification: '${b}': invalid mount config: destination can't be '/'`);
  if (mode !== undefined) for (const m of mode.split(',')) if (!BIND_MODES.has(m)) bad(`invalid mode: ${m}`);
}

function validateConfig(body: Record<string, unknown>, noImage: boolean): ContainerConfig {
  const image = str(body.Image, 'Image');
  // an empty (or missing) Image is an image-less container, as Docker 20.10 creates it (daemon/create.go)
  if (noImage && image !== '') bad('Config.Image: a container without an image names none');
  const env = strArray(body.Env, 'Env');
  validateEnv(env);
  const workingDir = str(body.WorkingDir, 'WorkingDir');
  if (workingDir !== '' && !path.posix.isAbsolute(workingDir)) {
    bad(`the working directory '${workingDir}' is invalid, it needs to be an absolute path`);
  }
  const hostname = str(body.Hostname, 'Hostname');
  if (hostname !== '' && !HOSTNAME_RE.test(hostname)) bad(`invalid hostname format: ${hostname}`);
  const domainname = str(body.Domainname, 'Domainname');
  if (domainname !== '' && !HOSTNAME_RE.test(domainname)) bad(`invalid domainname format: ${domainname}`);
  const stopSignal = str(body.StopSignal, 'StopSignal');
  if (stopSignal !== '') {
    try {
      parseSignal(stopSignal);
    } catch {
      bad(`Invalid signal: ${stopSignal}`);
    }
  }
  // a Go int (64 bits): kept exact (a bigint beyond 2^53); any negative waits for ever, as Docker's stop
  let stopTimeout: Int64 | null = null;
  if (body.StopTimeout !== undefined && body.StopTimeout !== null) stopTimeout = int64(body.StopTimeout, 'StopTimeout');
  const labels = strMap(body.Labels, 'Labels');
  const cfg: ContainerConfig = {
    Hostname: hostname,
    Domainname: domainname,
    User: str(body.User, 'User'),
    AttachStdin: bool(body.AttachStdin, 'AttachStdin'),
    AttachStdout: bool(body.AttachStdout, 'AttachStdout'),
    AttachStderr: bool(body.AttachStderr, 'AttachStderr'),
    ExposedPorts: emptySet(body.ExposedPorts, 'ExposedPorts', checkPort),
    Tty: bool(body.Tty, 'Tty'),
    OpenStdin: bool(body.OpenStdin, 'OpenStdin'),
    StdinOnce: bool(body.StdinOnce, 'StdinOnce'),
    Env: env,
    Cmd: strSlice(body.Cmd, 'Cmd'),
    Image: image,
    Volumes: emptySet(body.Volumes, 'Volumes', (k) => {
      if (!path.posix.isAbsolute(k)) bad(`invalid volume specification: '${k}'`);
    }),
    WorkingDir: workingDir,
    Entrypoint: strSlice(body.Entrypoint, 'Entrypoint'),
    OnBuild: strArray(body.OnBuild, 'OnBuild'),
    Labels: labels ?? {},
  };
  if (stopSignal !== '') cfg.StopSignal = stopSignal;
  if (stopTimeout !== null) cfg.StopTimeout = stopTimeout;
  if (body.Healthcheck !== undefined && body.Healthcheck !== null) {
    if (!isObject(body.Healthcheck)) bad('Healthcheck: expected an object');
    // time.Duration (int64 ns) and int, kept exact; Docker 20.10's validateHealthCheck (and
    // moby 25's for StartInterval): a duration is 0 (the default) or at least 1ms
    const hc: Record<string, unknown> = { ...body.Healthcheck };
    for (const k of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const) {
      if (hc[k] === undefined || hc[k] === null) continue;
      const v = int64(hc[k], `Healthcheck.${k}`);
      if (k === 'Retries' ? v < 0 : v !== 0 && v < MIN_HEALTH_DURATION_NS) bad(k === 'Retries' ? 'Retries in Healthcheck cannot be negative' : `${k} in Healthcheck cannot be less than 1ms`);
      hc[k] = v;
    }
    cfg.Healthcheck = hc as ContainerConfig['Healthcheck'];
  }
  if (body.ArgsEscaped !== undefined) cfg.ArgsEscaped = bool(body.ArgsEscaped, 'ArgsEscaped');
  return cfg;
}

function validateHostConfig(raw: unknown, runtimeNames: readonly string[], warnings: string[], body: Record<string, unknown>, update: boolean): HostConfig {
  if (raw !== undefined && raw !== null && !isObject(raw)) bad('HostConfig: expected an object');
  const h: Record<string, unknown> = goJsonFields((raw as Record<string, unknown> | undefined) ?? {}, HOST_CONFIG_FIELDS);

  // Restart policy.
  const rp = h.RestartPolicy;
  if (rp !== undefined && rp !== null && !isObject(rp)) bad('HostConfig.RestartPolicy: expected an object');
  const rpName = str((rp as Record<string, unknown> | undefined)?.Name, 'RestartPolicy.Name');
  const rpMax = int64((rp as Record<string, unknown> | undefined)?.MaximumRetryCount, 'RestartPolicy.MaximumRetryCount');
  if (!RESTART_POLICIES.includes(rpName)) bad(`invalid restart policy '${rpName}'`);
  if (rpMax < 0) bad('invalid restart policy: maximum retry count cannot be negative');
  if (rpMax > 0 && rpName !== 'on-failure') bad(`invalid restart policy: maximum retry count cannot be used with restart policy '${rpName}'`);
  const autoRemove = bool(h.AutoRemove, 'AutoRemove');
  if (autoRemove && rpName !== '' && rpName !== 'no') bad("can't create 'AutoRemove' container with restart policy");
  h.RestartPolicy = { Name: rpName === '' ? 'no' : rpName, MaximumRetryCount: rpMax };
  h.AutoRemove = autoRemove;

  // Resources.
  const memory = int64(h.Memory, 'Memory');
  if (memory !== 0 && memory < MIN_MEMORY) bad('Minimum memory limit allowed is 6MB');
  const memorySwap = int64(h.MemorySwap, 'MemorySwap');
  if (memorySwap < -1) bad('invalid memory swap limit: must be -1 or positive');
  if (memorySwap > 0 && memory > 0 && memorySwap < memory) bad('Minimum memoryswap limit should be larger than memory limit, see usage');
  if (memorySwap > 0 && memory === 0 && !update) bad('You should always set the Memory limit when using Memoryswap limit, see usage');
  // Docker 20.10 on a host without kernel memory accounting (berth has none): warned about, discarded
  if (int64(h.KernelMemory, 'KernelMemory') > 0) warnings.push(...KERNEL_MEMORY_WARNINGS);
  const reservation = int64(h.MemoryReservation, 'MemoryReservation');
  if (reservation < 0) bad('MemoryReservation: must not be negative');
  const swappiness = h.MemorySwappiness === undefined || h.MemorySwappiness === null ? -1 : int64(h.MemorySwappiness, 'MemorySwappiness');
  if (swappiness < -1 || swappiness > 100) bad(`Invalid value: ${swappiness}, valid memory swappiness range is 0-100`);
  const nanoCpus = int64(h.NanoCpus, 'NanoCpus');
  const ncpu = os.cpus().length || 1;
  if (nanoCpus < 0 || nanoCpus > ncpu * 1e9) bad(`Range of CPUs is from 0.01 to ${ncpu}.00, as there are only ${ncpu} CPUs available`);
  const cpuShares = int64(h.CpuShares, 'CpuShares');
  if (cpuShares < 0) bad('invalid CPU shares: must not be negative');
  const cpuPeriod = int64(h.CpuPeriod, 'CpuPeriod');
  const cpuQuota = int64(h.CpuQuota, 'CpuQuota');
  if (cpuPeriod < 0) bad('CpuPeriod: must not be negative');
  if (cpuQuota < -1) bad('CpuQuota: must be -1 or positive');
  if (nanoCpus > 0 && cpuPeriod > 0) bad('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (nanoCpus > 0 && cpuQuota > 0) bad('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (cpuPeriod !== 0 && (cpuPeriod < 1000 || cpuPeriod > 1000000)) bad('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  if (cpuQuota > 0 && cpuQuota < 1000) bad('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  const shmSize = int64(h.ShmSize, 'ShmSize');
  if (shmSize < 0) bad('SHM size can not be less than 0');
  const pids = h.PidsLimit === undefined || h.PidsLimit === null ? 0 : int64(h.PidsLimit, 'PidsLimit');
  const oom = int64(h.OomScoreAdj, 'OomScoreAdj');
  if (oom < -1000 || oom > 1000) bad(`Invalid value ${oom}, range for oom score adj is [-1000, 1000]`);
  const blkio = int64(h.BlkioWeight, 'BlkioWeight');
  if (blkio !== 0 && (blkio < 10 || blkio > 1000)) bad('Range of blkio weight is from 10 to 1000');

  // Lists and maps.
  const binds = strArray(h.Binds, 'Binds');
  for (const b of binds ?? []) checkBind(b);
  for (const f of ['CapAdd', 'CapDrop', 'Dns', 'DnsOptions', 'DnsSearch', 'ExtraHosts', 'GroupAdd', 'SecurityOpt', 'VolumesFrom', 'Links', 'DeviceCgroupRules'] as const) {
    h[f] = f === 'CapAdd' || f === 'CapDrop' ? strSlice(h[f], f) : strArray(h[f], f);
  }
  for (const r of (h.DeviceCgroupRules as string[] | null) ?? []) parseDeviceCgroupRule(r);
  const rtPeriod = int64(h.CpuRealtimePeriod, 'CpuRealtimePeriod');
  const rtRuntime = int64(h.CpuRealtimeRuntime, 'CpuRealtimeRuntime');
  if (rtPeriod < 0 || rtRuntime < 0) bad('CpuRealtimePeriod/CpuRealtimeRuntime: must not be negative');
  if (rtRuntime !== 0 && rtPeriod !== 0 && rtRuntime > rtPeriod) bad('cpu-rt-runtime cannot be higher than cpu-rt-period');
  for (const e of (h.ExtraHosts as string[] | null) ?? []) {
    if (e.lastIndexOf(':') <= 0) bad(`invalid IP address in add-host: "${e}"`);
  }
  for (const v of (h.VolumesFrom as string[] | null) ?? []) {
    const [ref, mode, extra] = v.split(':');
    if (!ref || extra !== undefined || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) bad(`invalid volumes-from specification: ${v}`);
  }
  for (const o of (h.SecurityOpt as string[] | null) ?? []) {
    const { key: k, value: val } = splitSecurityOpt(o);
    if (k === 'no-new-privileges') {
      if (val !== undefined && val !== 'true' && val !== 'false') bad(`invalid --security-opt 2: "${o}"`);
    } else if (k === 'seccomp') {
      if (val === undefined) bad(`invalid --security-opt 2: "${o}"`);
      // A profile is checked now (400), not at start.
      if (val !== 'unconfined' && val !== 'builtin') parseSeccompProfile(val);
    } else if (k === 'apparmor') {
      // a profile name (or unconfined), applied where the host has AppArmor and ignored where not, as Docker
      if (val === undefined) bad(`invalid --security-opt 1: "${o}"`);
    } else if (k === 'label') {
      warnings.push(`berth: --security-opt ${k} is not supported and was ignored`);
    } else bad(`invalid --security-opt 1: "${o}"`);
  }
  for (const l of (h.Links as string[] | null) ?? []) {
    const parts = l.split(':');
    if (parts.length > 2 || parts.some((p) => p === '')) bad(`invalid link: ${l}`);
  }
  if (h.PortBindings !== undefined && h.PortBindings !== null) {
    if (!isObject(h.PortBindings)) bad('HostConfig.PortBindings: expected an object');
    for (const [k, v] of Object.entries(h.PortBindings)) {
      checkPort(k);
      if (v !== null && !Array.isArray(v)) bad(`HostConfig.PortBindings["${k}"]: expected an array`);
      for (const pb of (v as unknown[] | null) ?? []) {
        if (!isObject(pb)) bad(`HostConfig.PortBindings["${k}"]: expected objects`);
        const hp = str(pb.HostPort, 'HostPort');
        if (hp !== '' && !/^\d{1,5}(-\d{1,5})?$/.test(hp)) bad(`invalid port specification: "${hp}"`);
        const hip = str(pb.HostIp, 'HostIp');
        if (hip !== '' && !/^[0-9.]+$|:/.test(hip)) bad(`invalid IP address: ${hip}`);
      }
    }
  }
  if (h.Mounts !== undefined && h.Mounts !== null) {
    if (!Array.isArray(h.Mounts)) bad('HostConfig.Mounts: expected an array');
    for (const m of h.Mounts) {
      if (!isObject(m)) bad('HostConfig.Mounts: expected objects');
      const type = str(m.Type, 'Mount.Type');
      const target = str(m.Target, 'Mount.Target');
      if (!['bind', 'volume', 'tmpfs'].includes(type)) bad(`mount type "${type}": not supported`);
      if (!path.posix.isAbsolute(target)) bad(`invalid mount config for type "${type}": invalid mount path: '${target}' mount path must be absolute`);
      if (type === 'bind' && !path.posix.isAbsolute(str(m.Source, 'Mount.Source'))) {
        bad(`invalid mount config for type "bind": invalid mount path: '${str(m.Source, 'Mount.Source')}' mount path must be absolute`);
      }
      // mount.TmpfsOptions: SizeBytes int64, Mode os.FileMode (a uint32), as Go decodes them; kept as read (an Int64)
      const t = m.TmpfsOptions;
      if (t !== undefined && t !== null) {
        if (!isObject(t)) bad(`json: cannot unmarshal ${goJsonKind(t)} into Go struct field Mount.HostConfig.Mounts.TmpfsOptions of type mount.TmpfsOptions`);
        if (t.SizeBytes !== undefined && t.SizeBytes !== null) t.SizeBytes = goInt(t.SizeBytes, 'TmpfsOptions.HostConfig.Mounts.TmpfsOptions.SizeBytes', 'int64');
        if (t.Mode !== undefined && t.Mode !== null) t.Mode = goInt(t.Mode, 'TmpfsOptions.HostConfig.Mounts.TmpfsOptions.Mode', 'fs.FileMode');
      }
    }
  }
  if (h.Tmpfs !== undefined && h.Tmpfs !== null) {
    const t = strMap(h.Tmpfs, 'Tmpfs')!;
    for (const k of Object.keys(t)) if (!path.posix.isAbsolute(k)) bad(`invalid tmpfs mount path: '${k}'`);
  }
  if (h.Devices !== undefined && h.Devices !== null && !Array.isArray(h.Devices)) bad('HostConfig.Devices: expected an array');
  const devices = ((h.Devices as unknown[] | null) ?? []).map((d) => {
    if (!isObject(d)) bad('HostConfig.Devices: expected objects');
    const onHost = str(d.PathOnHost, 'Devices.PathOnHost');
    const inCtr = str(d.PathInContainer, 'Devices.PathInContainer') || onHost;
    const perms = str(d.CgroupPermissions, 'Devices.CgroupPermissions') || 'rwm';
    if (!path.posix.isAbsolute(onHost) || !path.posix.isAbsolute(inCtr)) bad(`invalid device path: '${onHost}:${inCtr}'`);
    if (!/^[rwm]{1,3}$/.test(perms)) bad(`invalid device mode: ${perms}`);
    return { PathOnHost: onHost, PathInContainer: inCtr, CgroupPermissions: perms };
  });
  if (h.Ulimits !== undefined && h.Ulimits !== null && !Array.isArray(h.Ulimits)) bad('HostConfig.Ulimits: expected an array');
  const ulimits = ((h.Ulimits as unknown[] | null) ?? []).map((u) => {
    if (!isObject(u)) bad('HostConfig.Ulimits: expected objects');
    const name = str(u.Name, 'Ulimits.Name');
    const soft = int64(u.Soft, 'Ulimits.Soft');
    const hard = int64(u.Hard, 'Ulimits.Hard');
    if (!ULIMIT_NAMES.includes(name)) bad(`invalid ulimit type: ${name}`);
    if (soft < -1 || hard < -1) bad(`invalid ulimit argument: ${name}=${soft}:${hard}`);
    if (hard !== -1 && (soft === -1 || soft > hard)) bad(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
    return { Name: name, Soft: soft, Hard: hard };
  });
  // A user-defined network is looked up at start, as Docker 20.10 does: a 404 at create would
  // make the docker CLI report the image missing and pull it.
  const networkMode = str(h.NetworkMode, 'NetworkMode');
  for (const f of ['PidMode', 'IpcMode', 'UTSMode', 'UsernsMode', 'CgroupnsMode', 'Cgroup', 'CgroupParent', 'Isolation', 'CpusetCpus', 'CpusetMems'] as const) {
    h[f] = str(h[f], f);
  }
  const joins = (m: string): boolean => m.startsWith('container:') && m.length > 'container:'.length;
  if (!['', 'host'].includes(h.PidMode as string) && !joins(h.PidMode as string)) bad(`invalid PID mode: ${h.PidMode}`);
  if (!['', 'none', 'private', 'shareable', 'host'].includes(h.IpcMode as string) && !joins(h.IpcMode as string)) bad(`invalid IPC mode: ${h.IpcMode}`);
  if (!['', 'host'].includes(h.UTSMode as string)) bad(`invalid UTS mode: ${h.UTSMode}`);
  if (h.UTSMode === 'host' && str(body.Hostname, 'Hostname') !== '') bad('conflicting options: hostname and the UTS mode');
  const portBindings = Object.values((h.PortBindings as Record<string, unknown[] | null> | null) ?? {}).some((v) => Array.isArray(v) && v.length > 0);
  checkNetworkModeConflicts({
    networkMode,
    hostname: str(body.Hostname, 'Hostname'),
    macAddress: str(body.MacAddress, 'MacAddress'),
    links: (h.Links as string[] | null) ?? [],
    dns: (h.Dns as string[] | null) ?? [],
    extraHosts: (h.ExtraHosts as string[] | null) ?? [],
    publishes: portBindings || Boolean(h.PublishAllPorts),
    exposes: isObject(body.ExposedPorts) && Object.keys(body.ExposedPorts).length > 0,
  });
  if (networkMode === 'host' && portBindings) warnings.push('Published ports are discarded when using host network mode');
  checkCpuset(h.CpusetCpus as string, 'cpus');
  checkCpuset(h.CpusetMems as string, 'mems');
  h.Sysctls = strMap(h.Sysctls, 'Sysctls');
  checkSysctls((h.Sysctls as Record<string, string> | null) ?? {}, networkMode);
  for (const [f, list] of [['CapAdd', h.CapAdd], ['CapDrop', h.CapDrop]] as const) {
    for (const c of (list as string[] | null) ?? []) {
      if (!isCapability(c)) bad(`invalid ${f}: unknown capability: "${capabilityName(c)}"`);
    }
  }
  if (h.ConsoleSize !== undefined && h.ConsoleSize !== null) {
    const cs = h.ConsoleSize;
    if (!Array.isArray(cs) || cs.length !== 2 || !cs.every((n) => Number.isInteger(n) && n >= 0)) bad('HostConfig.ConsoleSize: expected [height, width]');
  }
  for (const f of ['Privileged', 'ReadonlyRootfs', 'PublishAllPorts', 'OomKillDisable'] as const) h[f] = bool(h[f], f);
  const logType = str((h.LogConfig as Record<string, unknown> | undefined)?.Type, 'LogConfig.Type');
  if (logType !== '' && logType !== 'json-file' && logType !== 'none') {
    // docker's own drivers are named as berth lacking them; any other name gets docker's text
    if (!DOCKER_LOG_DRIVERS.includes(logType)) bad(`logger: no log driver named '${logType}' is registered`);
    bad(`logging driver "${logType}": not supported by berth (json-file or none)`);
  }
  const logOpts = strMap((h.LogConfig as Record<string, unknown> | undefined)?.Config, 'LogConfig.Config') ?? {};
  if (logType === 'none' && Object.keys(logOpts).length) bad(`logger: no log driver named 'none' is registered with options`);
  if (logType !== 'none') logRotation(logOpts);
  const runtime = str(h.Runtime, 'Runtime');
  if (runtime !== '' && !runtimeNames.includes(runtime)) bad(`Unknown runtime specified ${runtime}`);

  // Docker's stored form: defaults filled in (what inspect shows).
  const out: HostConfig = {
    Binds: binds,
    ContainerIDFile: str(h.ContainerIDFile, 'ContainerIDFile'),
    LogConfig: { Type: logType === 'none' ? 'none' : 'json-file', Config: strMap((h.LogConfig as Record<string, unknown> | undefined)?.Config, 'LogConfig.Config') ?? {} },
    NetworkMode: networkMode === '' ? 'default' : networkMode,
    PortBindings: (h.PortBindings as HostConfig['PortBindings']) ?? {},
    RestartPolicy: h.RestartPolicy as HostConfig['RestartPolicy'],
    AutoRemove: autoRemove,
    VolumeDriver: str(h.VolumeDriver, 'VolumeDriver'),
    VolumesFrom: (h.VolumesFrom as string[] | null)?.length ? (h.VolumesFrom as string[]) : null,
    CapAdd: h.CapAdd as string[] | null,
    CapDrop: h.CapDrop as string[] | null,
    CgroupnsMode: h.CgroupnsMode === '' ? 'host' : (h.CgroupnsMode as string),
    Dns: (h.Dns as string[] | null) ?? [],
    DnsOptions: (h.DnsOptions as string[] | null) ?? [],
    DnsSearch: (h.DnsSearch as string[] | null) ?? [],
    ExtraHosts: h.ExtraHosts as string[] | null,
    GroupAdd: h.GroupAdd as string[] | null,
    IpcMode: h.IpcMode === '' ? 'private' : (h.IpcMode as string),
    Cgroup: h.Cgroup as string,
    Links: (h.Links as string[] | null)?.length ? (h.Links as string[]) : null,
    OomScoreAdj: Number(oom), // within [-1000, 1000]
    PidMode: h.PidMode as string,
    Privileged: h.Privileged as boolean,
    PublishAllPorts: h.PublishAllPorts as boolean,
    ReadonlyRootfs: h.ReadonlyRootfs as boolean,
    SecurityOpt: h.SecurityOpt as string[] | null,
    UTSMode: h.UTSMode as string,
    UsernsMode: h.UsernsMode as string,
    ShmSize: shmSize === 0 ? 64 * 1024 * 1024 : shmSize,
    Runtime: runtime || runtimeNames[0]!,
    ConsoleSize: (h.ConsoleSize as [number, number] | undefined) ?? [0, 0],
    Isolation: h.Isolation as string,
    CpuShares: cpuShares,
    Memory: memory,
    NanoCpus: Number(nanoCpus), // at most the host's CPUs x 1e9 (checked above)
    CgroupParent: h.CgroupParent as string,
    BlkioWeight: Number(blkio),
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: [],
    BlkioDeviceWriteBps: [],
    BlkioDeviceReadIOps: [],
    BlkioDeviceWriteIOps: [],
    CpuPeriod: Number(cpuPeriod), // at most 1000000 (checked above)
    CpuQuota: cpuQuota,
    CpuRealtimePeriod: rtPeriod,
    CpuRealtimeRuntime: rtRuntime,
    CpusetCpus: h.CpusetCpus as string,
    CpusetMems: h.CpusetMems as string,
    Devices: devices,
    DeviceCgroupRules: (h.DeviceCgroupRules as string[] | null)?.length ? (h.DeviceCgroupRules as string[]) : null,
    DeviceRequests: null,
    KernelMemory: 0,
    KernelMemoryTCP: 0,
    MemoryReservation: reservation,
    // docker's adaptContainerSettings: twice the memory, in Go's int64 (2^63-1 doubles to -2)
    MemorySwap: memory > 0 && memorySwap === 0 && !update ? int64Value(BigInt.asIntN(64, BigInt(memory) * 2n)) : memorySwap,
    MemorySwappiness: swappiness === -1 ? null : Number(swappiness),
    OomKillDisable: h.OomKillDisable as boolean,
    PidsLimit: pids > 0 ? pids : null,
    Ulimits: ulimits as HostConfig['Ulimits'],
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    MaskedPaths: h.Privileged ? null : (strArray(h.MaskedPaths, 'MaskedPaths') ?? DEFAULT_MASKED_PATHS.slice()),
    ReadonlyPaths: h.Privileged ? null : (strArray(h.ReadonlyPaths, 'ReadonlyPaths') ?? DEFAULT_READONLY_PATHS.slice()),
  };
  if (Array.isArray(h.Mounts) && h.Mounts.length > 0) out.Mounts = h.Mounts as HostConfig['Mounts'];
  if (h.Tmpfs) out.Tmpfs = h.Tmpfs as Record<string, string>;
  if (h.Init !== undefined && h.Init !== null) out.Init = bool(h.Init, 'Init');
  if (h.Sysctls && Object.keys(h.Sysctls).length) out.Sysctls = h.Sysctls as Record<string, string>;
  const annotations = strMap(h.Annotations, 'Annotations');
  if (annotations && Object.keys(annotations).length) out.Annotations = annotations;
  return out;
}

/** The log drivers a Docker 20.10 on Linux has registered. */
const DOCKER_LOG_DRIVERS = ['local', 'syslog', 'journald', 'gelf', 'fluentd', 'awslogs', 'splunk', 'etwlogs', 'gcplogs', 'logentries'];

const LOG_OPTS = ['max-size', 'max-file', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag'];
/** Default rotation: berth rotates json-file logs unless told otherwise (docker does not). */
export const DEFAULT_LOG_MAX_SIZE = 20 * 1024 * 1024;
export const DEFAULT_LOG_MAX_FILES = 5;

/**
 * The json-file rotation of a LogConfig.Config: `max-size` (-1: never rotate) and `max-file`,
 * with berth's defaults (20 MiB x 5) for what is not given. 400 for unknown or bad options.
 */
export function logRotation(opts: Record<string, string>): { maxSize: number; maxFiles: number } {
  for (const k of Object.keys(opts)) if (!LOG_OPTS.includes(k)) bad(`unknown log opt '${k}' for json-file log driver`);
  let maxSize = DEFAULT_LOG_MAX_SIZE;
  let maxFiles = DEFAULT_LOG_MAX_FILES;
  // Docker 20.10's json-file reads these when the logger starts ("failed to initialize logging
  // driver: ..."); berth refuses them at create, with the same text.
  const initFailed = (why: string): never => bad(`failed to initialize logging driver: ${why}`);
  if (opts['max-size'] !== undefined) {
    if (opts['max-size'] === '-1') maxSize = 0;
    else {
      // go-units v0.4's FromHumanSize (decimal: `10m` is 10,000,000 bytes), as Docker 20.10 vendors it
      let n = 0;
      try {
        n = parseHumanSize(opts['max-size'], 1000, 'v0.4');
      } catch (e) {
        initFailed((e as Error).message);
      }
      if (n <= 0) initFailed('max-size must be a positive number');
      maxSize = n;
    }
  }
  if (opts['max-file'] !== undefined) {
    const v = opts['max-file'];
    let n = 0;
    try {
      n = Number(goAtoi(v));
    } catch (e) {
      initFailed((e as Error).message);
    }
    if (n < 1) initFailed('max-file cannot be less than 1');
    if (n > 1000) bad(`invalid max-file: ${v} (at most 1000)`);
    maxFiles = n;
    if (n > 1 && opts['max-size'] === '-1') bad('max-file cannot be set when max-size is not set');
  }
  return { maxSize, maxFiles };
}

const ULIMIT_NAMES = ['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack', 'as'];

/** Validates a create body; HostConfig.Runtime may name one of `runtimeNames`, the first is the default. */
/** HostConfig's fields (API 1.41), for Go's case-insensitive matching of JSON keys. */
const HOST_CONFIG_FIELDS = (
  'Binds ContainerIDFile LogConfig NetworkMode PortBindings RestartPolicy AutoRemove VolumeDriver VolumesFrom ConsoleSize CapAdd CapDrop ' +
  'CgroupnsMode Dns DnsOptions DnsSearch ExtraHosts GroupAdd IpcMode Cgroup Links OomScoreAdj PidMode Privileged PublishAllPorts ' +
  'ReadonlyRootfs SecurityOpt StorageOpt Tmpfs UTSMode UsernsMode ShmSize Sysctls Runtime Isolation CpuShares Memory NanoCpus ' +
  'CgroupParent BlkioWeight BlkioWeightDevice BlkioDeviceReadBps BlkioDeviceWriteBps BlkioDeviceReadIOps BlkioDeviceWriteIOps ' +
  'CpuPeriod CpuQuota CpuRealtimePeriod CpuRealtimeRuntime CpusetCpus CpusetMems Devices DeviceCgroupRules DeviceRequests ' +
  'KernelMemory KernelMemoryTCP MemoryReservation MemorySwap MemorySwappiness OomKillDisable PidsLimit Ulimits CpuCount CpuPercent ' +
  'IOMaximumIOps IOMaximumBandwidth Mounts MaskedPaths ReadonlyPaths Init Annotations'
).split(' ');
const CONFIG_FIELDS = (
  'Hostname Domainname User AttachStdin AttachStdout AttachStderr ExposedPorts Tty OpenStdin StdinOnce Env Cmd Healthcheck ' +
  'ArgsEscaped Image Volumes WorkingDir Entrypoint NetworkDisabled MacAddress OnBuild Labels StopSignal StopTimeout Shell ' +
  'HostConfig NetworkingConfig'
).split(' ');

/**
 * Go's encoding/json matches object keys to struct fields case-insensitively (an exact match
 * first): the Python SDK sends `CPURealtimePeriod` for `CpuRealtimePeriod`, and docker takes it.
 * Renames such keys to the field's own name.
 */
export function goJsonFields(obj: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const exact = new Set(fields);
  const folded = new Map(fields.map((f) => [f.toLowerCase(), f]));
  for (const [k, v] of Object.entries(obj)) {
    const name = exact.has(k) ? k : folded.get(k.toLowerCase());
    // an own property, as JSON.parse made it: `out[k] = v` with k `__proto__` would set out's
    // prototype, and every field read would then find that object's Cmd, HostConfig... (Go
    // ignores the unknown key)
    if (name === undefined) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else if (name === k || !Object.prototype.hasOwnProperty.call(obj, name)) out[name] = v;
  }
  return out;
}

/**
 * The create body checked and normalised as Docker 20.10's verifyContainerSettings and
 * adaptContainerSettings do (400s with Docker's words). `update`: the body of an update instead
 * (verifyContainerSettings' `update`): a MemorySwap without Memory is allowed and no MemorySwap is
 * derived from Memory.
 */
export function validateCreate(rawBody: unknown, runtimeNames: readonly string[] = ['runc'], opts: { multipleNetworks?: boolean; noImage?: boolean; update?: boolean } = {}): ValidatedCreate {
  if (!isObject(rawBody) || Object.keys(rawBody).length === 0) bad('config cannot be empty in order to create a container');
  const body = goJsonFields(rawBody, CONFIG_FIELDS);
  const warnings: string[] = [];
  const config = validateConfig(body, opts.noImage === true);
  const hostConfig = validateHostConfig(body.HostConfig, runtimeNames, warnings, body, opts.update === true);
  const nc = body.NetworkingConfig;
  if (nc !== undefined && nc !== null && !isObject(nc)) bad('NetworkingConfig: expected an object');
  if (body.MacAddress !== undefined && body.MacAddress !== null && body.MacAddress !== '') {
    const mac = str(body.MacAddress, 'MacAddress');
    if (!/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(mac)) bad(`${mac} is not a valid mac address`);
    config.MacAddress = mac;
  }
  const networkingConfig = normalizeNetworking(hostConfig.NetworkMode ?? 'default', nc ?? null, opts);
  // API 1.41: Config.MacAddress is the MAC on the NetworkMode's network
  const modeNet = Object.keys(networkingConfig.EndpointsConfig)[0];
  // (API 1.44: both may be given, and must then agree; before 1.44 the route drops the endpoint's)
  const modeEp = modeNet === undefined ? undefined : networkingConfig.EndpointsConfig[modeNet]!;
  if (config.MacAddress && modeEp && !modeEp.MacAddress) modeEp.MacAddress = config.MacAddress;
  else if (config.MacAddress && modeEp && modeEp.MacAddress!.toLowerCase() !== config.MacAddress.toLowerCase()) {
    bad('the container-wide MAC address must match the endpoint-specific MAC address for the main network, or be left empty');
  }
  refuseJsonNumbers(config, '');
  refuseJsonNumbers(hostConfig, 'HostConfig');
  refuseJsonNumbers(networkingConfig, 'NetworkingConfig');
  return { config, hostConfig, networkingConfig, warnings };
}

/**
 * A number literal with a fraction or an exponent (parseJsonExact's JsonNumber) left anywhere in
 * what validation returns: no field of the create body is a float in Go, so Go would have refused
 * it; refused here rather than stored (it would reach the runtime as `[object Object]`).
 */
function refuseJsonNumbers(v: unknown, where: string): void {
  if (v instanceof JsonNumber) bad(`${where}: json: cannot unmarshal number ${v.text} into an integer or string field`);
  if (Array.isArray(v)) v.forEach((x, i) => refuseJsonNumbers(x, `${where}[${i}]`));
  else if (isObject(v)) for (const [k, x] of Object.entries(v)) refuseJsonNumbers(x, where === '' ? k : `${where}.${k}`);
}
