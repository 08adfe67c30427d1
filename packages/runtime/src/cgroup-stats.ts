import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NotFoundError } from '@berth/errdefs';
import { rfc3339Nano } from '@berth/oci';

/** One block I/O counter of a device (`major:minor op value`). */
export interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

/** CPU time of a cgroup, in nanoseconds, with the host's figures a CPU percentage needs. */
export interface CpuStats {
  totalNs: number;
  perCpuNs?: number[];
  kernelNs: number;
  userNs: number;
  /** Host CPU time (the first line of /proc/stat), the denominator of a CPU percentage. */
  hostNs: number;
  onlineCpus: number;
  throttling: { periods: number; throttledPeriods: number; throttledNs: number };
}

/**
 * One sample of a container's cgroup (v1 controllers or unified v2). Runtime terms only: the
 * daemon turns samples into the Engine API's stats JSON.
 */
export interface CgroupStats {
  /** When the sample was read, RFC 3339. */
  read: string;
  pids: { current?: number; limit?: number };
  blkio: { serviceBytes: BlkioEntry[]; serviced: BlkioEntry[] };
  cpu: CpuStats;
  memory: { usage?: number; maxUsage?: number; failcnt?: number; stats: Record<string, number>; limit: number };
}

const CLOCK_TICKS = 100; // USER_HZ on Linux
const NS_PER_TICK = 1e9 / CLOCK_TICKS;

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

async function readNumber(file: string): Promise<number | undefined> {
  const t = await readText(file);
  if (t === undefined) return undefined;
  const v = t.trim();
  if (v === 'max') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function keyValues(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^-?\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

function blkio(text: string | undefined): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\d+):(\d+)\s+(\S+)\s+(\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3], value: Number(m[4]) });
  }
  return out;
}

/** Host CPU time in ns (sum of the first /proc/stat line). */
async function systemCpuUsage(): Promise<number> {
  const text = (await readText('/proc/stat')) ?? '';
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return 0;
  const ticks = line
    .trim()
    .split(/\s+/)
    .slice(1, 8)
    .reduce((a, b) => a + Number(b), 0);
  return ticks * NS_PER_TICK;
}

async function isV2Only(root: string): Promise<boolean> {
  return (await readText(path.join(root, 'cgroup.controllers'))) !== undefined;
}

/**
 * Reads one stats sample for the cgroup at `cgroupsPath` (the spec's linux.cgroupsPath, e.g.
 * "/berth/<id>"), from cgroup v1 controllers or a unified v2 hierarchy. NotFoundError when the
 * cgroup does not exist (the container is not running). `root` is for tests.
 */
export async function readCgroupStats(cgroupsPath: string, root = '/sys/fs/cgroup'): Promise<CgroupStats> {
  const rel = cgroupsPath.replace(/^\/+/, '');
  if (rel.includes('..')) throw new NotFoundError(`cgroup ${cgroupsPath}: not found`);
  // containerd's metrics Timestamp (UTC), RFC3339Nano as the stats' `read`
  const read = rfc3339Nano(new Date());
  const hostMem = os.totalmem();
  const onlineCpus = os.cpus().length;
  if (await isV2Only(root)) {
    const dir = path.join(root, rel);
    const cpu = keyValues(await readText(path.join(dir, 'cpu.stat')));
    if (cpu.usage_usec === undefined) throw new NotFoundError(`cgroup ${cgroupsPath}: not found`);
    const memStat = keyValues(await readText(path.join(dir, 'memory.stat')));
    const limit = await readNumber(path.join(dir, 'memory.max'));
    const io = blkioV2(await readText(path.join(dir, 'io.stat')));
    return {
      read,
      pids: { current: await readNumber(path.join(dir, 'pids.current')), limit: await readNumber(path.join(dir, 'pids.max')) },
      blkio: { serviceBytes: io.bytes, serviced: io.ios },
      cpu: {
        totalNs: cpu.usage_usec * 1000,
        kernelNs: (cpu.system_usec ?? 0) * 1000,
        userNs: (cpu.user_usec ?? 0) * 1000,
        hostNs: await systemCpuUsage(),
        onlineCpus,
        throttling: { periods: cpu.nr_periods ?? 0, throttledPeriods: cpu.nr_throttled ?? 0, throttledNs: (cpu.throttled_usec ?? 0) * 1000 },
      },
      memory: {
        usage: await readNumber(path.join(dir, 'memory.current')),
        stats: memStat,
        limit: limit === undefined ? hostMem : Math.min(limit, hostMem),
      },
    };
  }
  const ctl = (c: string, f: string): string => path.join(root, c, rel, f);
  const total = await readNumber(ctl('cpuacct', 'cpuacct.usage'));
  if (total === undefined) throw new NotFoundError(`cgroup ${cgroupsPath}: not found`);
  const percpu = ((await readText(ctl('cpuacct', 'cpuacct.usage_percpu'))) ?? '')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  const cpuacct = keyValues(await readText(ctl('cpuacct', 'cpuacct.stat')));
  const throttle = keyValues(await readText(ctl('cpu', 'cpu.stat')));
  const memStat = keyValues(await readText(ctl('memory', 'memory.stat')));
  const memLimit = await readNumber(ctl('memory', 'memory.limit_in_bytes'));
  return {
    read,
    pids: { current: await readNumber(ctl('pids', 'pids.current')), limit: await readNumber(ctl('pids', 'pids.max')) },
    blkio: {
      serviceBytes: blkio(await readText(ctl('blkio', 'blkio.throttle.io_service_bytes_recursive'))),
      serviced: blkio(await readText(ctl('blkio', 'blkio.throttle.io_serviced_recursive'))),
    },
    cpu: {
      totalNs: total,
      perCpuNs: percpu,
      kernelNs: (cpuacct.system ?? 0) * NS_PER_TICK,
      userNs: (cpuacct.user ?? 0) * NS_PER_TICK,
      hostNs: await systemCpuUsage(),
      onlineCpus,
      throttling: { periods: throttle.nr_periods ?? 0, throttledPeriods: throttle.nr_throttled ?? 0, throttledNs: throttle.throttled_time ?? 0 },
    },
    memory: {
      usage: await readNumber(ctl('memory', 'memory.usage_in_bytes')),
      maxUsage: await readNumber(ctl('memory', 'memory.max_usage_in_bytes')),
      failcnt: await readNumber(ctl('memory', 'memory.failcnt')),
      stats: memStat,
      limit: memLimit === undefined ? hostMem : Math.min(memLimit, hostMem),
    },
  };
}

function blkioV2(text: string | undefined): { bytes: BlkioEntry[]; ios: BlkioEntry[] } {
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\d+):(\d+)\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const kv = keyValues(m[3].split(/\s+/).map((p) => p.replace('=', ' ')).join('\n'));
    const dev = { major: Number(m[1]), minor: Number(m[2]) };
    bytes.push({ ...dev, op: 'read', value: kv.rbytes ?? 0 }, { ...dev, op: 'write', value: kv.wbytes ?? 0 });
    ios.push({ ...dev, op: 'read', value: kv.rios ?? 0 }, { ...dev, op: 'write', value: kv.wios ?? 0 });
  }
  return { bytes, ios };
}
