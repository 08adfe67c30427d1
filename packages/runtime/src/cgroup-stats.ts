import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NotFoundError } from '@berth/errdefs';

/** One blkio entry, as Docker's stats show it. */
export interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

export interface CpuStats {
  cpu_usage: { total_usage: number; percpu_usage?: number[]; usage_in_kernelmode: number; usage_in_usermode: number };
  system_cpu_usage: number;
  online_cpus: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

/**
 * One stats sample of a container's cgroup, with Docker's field names (GET /containers/X/stats):
 * the daemon adds `preread`/`precpu_stats` (the previous sample), `name`, `id`, `networks`.
 */
export interface CgroupStats {
  read: string;
  pids_stats: { current?: number; limit?: number };
  blkio_stats: {
    io_service_bytes_recursive: BlkioEntry[];
    io_serviced_recursive: BlkioEntry[];
    io_queue_recursive: BlkioEntry[];
    io_service_time_recursive: BlkioEntry[];
    io_wait_time_recursive: BlkioEntry[];
    io_merged_recursive: BlkioEntry[];
    io_time_recursive: BlkioEntry[];
    sectors_recursive: BlkioEntry[];
  };
  num_procs: number;
  storage_stats: Record<string, never>;
  cpu_stats: CpuStats;
  memory_stats: { usage?: number; max_usage?: number; stats?: Record<string, number>; limit?: number; failcnt?: number };
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

/** Host CPU time in ns (sum of the first /proc/stat line), as Docker's system_cpu_usage. */
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

function emptyBlkio(): CgroupStats['blkio_stats'] {
  return {
    io_service_bytes_recursive: [],
    io_serviced_recursive: [],
    io_queue_recursive: [],
    io_service_time_recursive: [],
    io_wait_time_recursive: [],
    io_merged_recursive: [],
    io_time_recursive: [],
    sectors_recursive: [],
  };
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
  const read = new Date().toISOString();
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
      pids_stats: { current: await readNumber(path.join(dir, 'pids.current')), limit: await readNumber(path.join(dir, 'pids.max')) },
      blkio_stats: { ...emptyBlkio(), io_service_bytes_recursive: io.bytes, io_serviced_recursive: io.ios },
      num_procs: 0,
      storage_stats: {},
      cpu_stats: {
        cpu_usage: {
          total_usage: cpu.usage_usec * 1000,
          usage_in_kernelmode: (cpu.system_usec ?? 0) * 1000,
          usage_in_usermode: (cpu.user_usec ?? 0) * 1000,
        },
        system_cpu_usage: await systemCpuUsage(),
        online_cpus: onlineCpus,
        throttling_data: { periods: cpu.nr_periods ?? 0, throttled_periods: cpu.nr_throttled ?? 0, throttled_time: (cpu.throttled_usec ?? 0) * 1000 },
      },
      memory_stats: {
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
    pids_stats: { current: await readNumber(ctl('pids', 'pids.current')), limit: await readNumber(ctl('pids', 'pids.max')) },
    blkio_stats: {
      ...emptyBlkio(),
      io_service_bytes_recursive: blkio(await readText(ctl('blkio', 'blkio.throttle.io_service_bytes_recursive'))),
      io_serviced_recursive: blkio(await readText(ctl('blkio', 'blkio.throttle.io_serviced_recursive'))),
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: {
      cpu_usage: {
        total_usage: total,
        percpu_usage: percpu,
        usage_in_kernelmode: (cpuacct.system ?? 0) * NS_PER_TICK,
        usage_in_usermode: (cpuacct.user ?? 0) * NS_PER_TICK,
      },
      system_cpu_usage: await systemCpuUsage(),
      online_cpus: onlineCpus,
      throttling_data: { periods: throttle.nr_periods ?? 0, throttled_periods: throttle.nr_throttled ?? 0, throttled_time: throttle.throttled_time ?? 0 },
    },
    memory_stats: {
      usage: await readNumber(ctl('memory', 'memory.usage_in_bytes')),
      max_usage: await readNumber(ctl('memory', 'memory.max_usage_in_bytes')),
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
