import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Int64 } from '@berth/api';
import type { RuntimeMount } from '@berth/oci';
import type { ResourceLimits, SpecInput } from '@berth/runtime';
import type { ContainerRecord } from './container-record';
import { noNewPrivilegesOpt, seccompOpt } from './security-opts';

const PROPAGATION = new Set(['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate']);

/** Resolves a named volume to its host directory. */
export type VolumePath = (name: string) => Promise<string>;

/** `-v src:dst[:mode]` → an OCI bind mount. Host paths that do not exist are created (docker does, for Binds). */
async function bindMount(spec: string, volumePath: VolumePath): Promise<RuntimeMount> {
  const [src, dst, mode = ''] = spec.split(':') as [string, string, string?];
  const modes = mode === '' ? [] : mode.split(',');
  let source: string;
  if (path.posix.isAbsolute(src)) {
    source = src;
    await fs.mkdir(source, { recursive: true }).catch(() => undefined);
  } else {
    source = await volumePath(src);
  }
  const propagation = modes.find((m) => PROPAGATION.has(m)) ?? 'rprivate';
  return {
    destination: dst,
    type: 'bind',
    source,
    options: ['rbind', modes.includes('ro') ? 'ro' : 'rw', propagation],
  };
}

/** Binds, Mounts and Tmpfs of a HostConfig, in OCI form. */
export async function userMounts(rec: ContainerRecord, volumePath: VolumePath): Promise<RuntimeMount[]> {
  const h = rec.hostConfig;
  const out: RuntimeMount[] = [];
  if (rec.mounts) {
    for (const m of rec.mounts) {
      out.push({ destination: m.Destination, type: 'bind', source: m.Source, options: ['rbind', m.RW ? 'rw' : 'ro', m.Propagation || 'rprivate'] });
    }
  } else for (const b of h.Binds ?? []) out.push(await bindMount(b, volumePath));
  for (const m of h.Mounts ?? []) {
    if (rec.mounts && m.Type !== 'tmpfs') continue;
    const target = m.Target ?? '';
    if (m.Type === 'tmpfs') {
      const opts = ['nosuid', 'nodev', 'noexec'];
      if (m.TmpfsOptions?.SizeBytes) opts.push(`size=${m.TmpfsOptions.SizeBytes}`);
      if (m.TmpfsOptions?.Mode) opts.push(`mode=${m.TmpfsOptions.Mode.toString(8)}`);
      out.push({ destination: target, type: 'tmpfs', source: 'tmpfs', options: opts });
    } else {
      const source = m.Type === 'volume' ? await volumePath(m.Source || rec.id.slice(0, 12) + path.posix.basename(target)) : m.Source ?? '';
      out.push({ destination: target, type: 'bind', source, options: ['rbind', m.ReadOnly ? 'ro' : 'rw', 'rprivate'] });
    }
  }
  for (const [dst, opts] of Object.entries(h.Tmpfs ?? {})) {
    out.push({ destination: dst, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', ...(opts ? opts.split(',') : [])] });
  }
  return out;
}

/**
 * An int64 of the HostConfig in the runtime's terms: one beyond 2^53 (a bigint: `Memory:
 * 9223372036854775807`, "no limit" in practice) is held at 2^53-1, more than any kernel limit
 * of these reaches; the record and inspect keep the exact value.
 */
function runtimeInt(v: Int64): number;
function runtimeInt(v: Int64 | undefined): number | undefined;
function runtimeInt(v: Int64 | undefined): number | undefined {
  if (typeof v !== 'bigint') return v;
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  return Number(v > max ? max : v < -max ? -max : v);
}

/** The record's HostConfig resources in the runtime's terms (create and live `docker update`). */
export function resourceLimitsOf(rec: Pick<ContainerRecord, 'hostConfig'>): ResourceLimits {
  const h = rec.hostConfig;
  const r: ResourceLimits = {};
  if (h.Memory) r.memory = runtimeInt(h.Memory);
  if (h.MemorySwap) r.memorySwap = runtimeInt(h.MemorySwap);
  if (h.MemoryReservation) r.memoryReservation = runtimeInt(h.MemoryReservation);
  if (h.CpuShares) r.cpuShares = runtimeInt(h.CpuShares);
  if (h.NanoCpus) r.nanoCpus = h.NanoCpus;
  if (h.CpuQuota) r.cpuQuota = runtimeInt(h.CpuQuota);
  if (h.CpuPeriod) r.cpuPeriod = h.CpuPeriod;
  if (h.CpusetCpus) r.cpusetCpus = h.CpusetCpus;
  if (h.CpusetMems) r.cpusetMems = h.CpusetMems;
  if (h.PidsLimit) r.pidsLimit = runtimeInt(h.PidsLimit);
  if (h.CpuRealtimePeriod) r.cpuRealtimePeriod = runtimeInt(h.CpuRealtimePeriod);
  if (h.CpuRealtimeRuntime) r.cpuRealtimeRuntime = runtimeInt(h.CpuRealtimeRuntime);
  return r;
}

/** Where `--init`'s binary appears in the container, as in docker. */
export const INIT_PATH_IN_CONTAINER = '/sbin/docker-init';

/** A container record → what the runtime's buildSpec needs. `initBinary`: host path of tini for `--init`. */
export async function specInputOf(
  rec: ContainerRecord,
  paths: { rootfs: string; containerDir: string },
  volumePath: VolumePath,
  initBinary?: () => Promise<string>,
): Promise<SpecInput> {
  const c = rec.config;
  const h = rec.hostConfig;
  const mounts = await userMounts(rec, volumePath);
  let entrypoint = c.Entrypoint ?? null;
  if (h.Init === true && initBinary) {
    mounts.push({ destination: INIT_PATH_IN_CONTAINER, type: 'bind', source: await initBinary(), options: ['rbind', 'ro', 'rprivate'] });
    entrypoint = [INIT_PATH_IN_CONTAINER, '--', ...(entrypoint ?? [])];
  }
  return {
    id: rec.id,
    rootfs: paths.rootfs,
    containerDir: paths.containerDir,
    entrypoint,
    cmd: c.Cmd ?? null,
    env: c.Env ?? null,
    workingDir: c.WorkingDir || undefined,
    user: c.User || undefined,
    groupAdd: h.GroupAdd ?? undefined,
    hostname: c.Hostname || rec.id.slice(0, 12),
    domainname: c.Domainname || undefined,
    tty: Boolean(c.Tty),
    ...(c.Tty && h.ConsoleSize && h.ConsoleSize[0] > 0 && h.ConsoleSize[1] > 0
      ? { consoleSize: { height: h.ConsoleSize[0], width: h.ConsoleSize[1] } }
      : {}),
    network: h.NetworkMode === 'bridge' ? 'default' : h.NetworkMode ?? 'default',
    resources: resourceLimitsOf(rec),
    mounts,
    readonlyRootfs: Boolean(h.ReadonlyRootfs),
    privileged: Boolean(h.Privileged),
    ...(Array.isArray(h.MaskedPaths) ? { maskedPaths: [...h.MaskedPaths] } : {}),
    ...(Array.isArray(h.ReadonlyPaths) ? { readonlyPaths: [...h.ReadonlyPaths] } : {}),
    capAdd: h.CapAdd ?? undefined,
    capDrop: h.CapDrop ?? undefined,
    cgroupParent: h.CgroupParent || undefined,
    oomScoreAdj: h.OomScoreAdj || undefined,
    shmSize: runtimeInt(h.ShmSize) || undefined,
    noNewPrivileges: noNewPrivilegesOpt(h.SecurityOpt),
    ...(seccompOpt(h.SecurityOpt) !== undefined ? { seccomp: seccompOpt(h.SecurityOpt) } : {}),
    ...(h.Sysctls && Object.keys(h.Sysctls).length ? { sysctls: { ...h.Sysctls } } : {}),
    devices: (h.Devices ?? []).map((d) => ({ pathOnHost: d.PathOnHost, pathInContainer: d.PathInContainer, cgroupPermissions: d.CgroupPermissions })),
    ...(h.DeviceCgroupRules?.length ? { deviceCgroupRules: h.DeviceCgroupRules } : {}),
    ulimits: (h.Ulimits ?? []).map((u) => ({ name: u.Name, soft: runtimeInt(u.Soft), hard: runtimeInt(u.Hard) })),
    annotations: { ...(h.Annotations ?? {}), 'org.berth.container.name': rec.name },
  };
}
