import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InternalError, InvalidArgumentError, NotFoundError } from '@berth/errdefs';
import type { CgroupStats } from '@berth/runtime';

/**
 * What `docker top` and `docker stats` read about a running container: its cgroup (named in the
 * bundle's config.json, `linux.cgroupsPath`), the PIDs in it, and `ps` output filtered to them.
 */

/** The container's cgroup path as its OCI spec names it (e.g. `/berth/<id>`). */
export async function cgroupPathOf(bundle: string): Promise<string> {
  let spec: { linux?: { cgroupsPath?: string } };
  try {
    spec = JSON.parse(await fs.readFile(path.join(bundle, 'config.json'), 'utf8'));
  } catch (e) {
    throw new NotFoundError(`bundle ${bundle}: no readable config.json`, { cause: e });
  }
  const p = spec.linux?.cgroupsPath;
  if (!p || p.includes('..')) throw new NotFoundError(`bundle ${bundle}: no cgroup path`);
  return p;
}

/** PIDs (host namespace) in the container's cgroup: v1 hierarchies first, then the v2 mount. */
export async function cgroupPids(cgroupsPath: string, root = '/sys/fs/cgroup'): Promise<Set<number>> {
  const rel = cgroupsPath.replace(/^\/+/, '');
  for (const hierarchy of ['pids', 'memory', 'cpu,cpuacct', 'cpu', 'freezer', 'systemd', 'unified', '']) {
    const file = path.join(root, hierarchy, rel, 'cgroup.procs');
    const text = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    return new Set(
      text
        .split('\n')
        .map((l) => Number(l.trim()))
        .filter((n) => Number.isInteger(n) && n > 0),
    );
  }
  throw new NotFoundError(`cgroup ${cgroupsPath}: not found`);
}

export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

/**
 * Filters `ps` output to the given PIDs, as docker does: the header gives the titles, the PID
 * column picks the rows, and the last column (the command) keeps its spaces.
 */
export function parsePs(output: string, pids: ReadonlySet<number>): TopResult {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new InternalError('ps: no output');
  const titles = lines[0]!.trim().split(/\s+/);
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw new InvalidArgumentError(`Couldn't find PID field in ps output`);
  const processes: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length <= pidIndex) continue;
    const pid = Number(fields[pidIndex]);
    if (!pids.has(pid)) continue;
    const head = fields.slice(0, titles.length - 1);
    const tail = fields.slice(titles.length - 1).join(' ');
    processes.push([...head, tail]);
  }
  return { Titles: titles, Processes: processes };
}

/** Runs the host's `ps` with docker's `ps_args` (no shell; default `-ef`). */
export function runPs(psArgs: string | undefined): Promise<string> {
  const args = (psArgs && psArgs.trim() !== '' ? psArgs : '-ef').trim().split(/\s+/);
  return new Promise((resolve, reject) => {
    execFile('ps', args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new InternalError(`Error running ps: ${String(stderr || err.message).trim()}`, { cause: err }));
      else resolve(stdout);
    });
  });
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

type DockerCpuStats = {
  cpu_usage: { total_usage: number; percpu_usage?: number[]; usage_in_kernelmode: number; usage_in_usermode: number };
  system_cpu_usage: number;
  online_cpus: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
};

function emptyCpu(): DockerCpuStats {
  return {
    cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
    system_cpu_usage: 0,
    online_cpus: 0,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
}

/** The runtime's CPU figures under docker's field names. */
function dockerCpu(c: CgroupStats['cpu']): DockerCpuStats {
  return {
    cpu_usage: {
      total_usage: c.totalNs,
      ...(c.perCpuNs ? { percpu_usage: c.perCpuNs } : {}),
      usage_in_kernelmode: c.kernelNs,
      usage_in_usermode: c.userNs,
    },
    system_cpu_usage: c.hostNs,
    online_cpus: c.onlineCpus,
    throttling_data: { periods: c.throttling.periods, throttled_periods: c.throttling.throttledPeriods, throttled_time: c.throttling.throttledNs },
  };
}

function blkioStats(serviceBytes: unknown, serviced: unknown): Record<string, unknown> {
  return {
    io_service_bytes_recursive: serviceBytes,
    io_serviced_recursive: serviced,
    io_queue_recursive: serviceBytes === null ? null : [],
    io_service_time_recursive: serviceBytes === null ? null : [],
    io_wait_time_recursive: serviceBytes === null ? null : [],
    io_merged_recursive: serviceBytes === null ? null : [],
    io_time_recursive: serviceBytes === null ? null : [],
    sectors_recursive: serviceBytes === null ? null : [],
  };
}

/** The stats object of a container that is not running (docker sends zeros, not an error). */
export function emptyStats(name: string, id: string): Record<string, unknown> {
  return {
    read: ZERO_TIME,
    preread: ZERO_TIME,
    pids_stats: {},
    blkio_stats: blkioStats(null, null),
    num_procs: 0,
    storage_stats: {},
    cpu_stats: emptyCpu(),
    precpu_stats: emptyCpu(),
    memory_stats: {},
    name,
    id,
  };
}

/**
 * One stats message in the Engine API's shape (docker's field order): the runtime's cgroup
 * sample, the previous sample's CPU as `precpu_stats`, name and id.
 */
export function statsMessage(sample: CgroupStats, previous: CgroupStats | undefined, name: string, id: string): Record<string, unknown> {
  const m = sample.memory;
  return {
    read: sample.read,
    preread: previous?.read ?? ZERO_TIME,
    pids_stats: sample.pids,
    blkio_stats: blkioStats(sample.blkio.serviceBytes, sample.blkio.serviced),
    num_procs: 0,
    storage_stats: {},
    cpu_stats: dockerCpu(sample.cpu),
    precpu_stats: previous ? dockerCpu(previous.cpu) : emptyCpu(),
    memory_stats: {
      usage: m.usage,
      ...(m.maxUsage !== undefined ? { max_usage: m.maxUsage } : {}),
      stats: m.stats,
      ...(m.failcnt !== undefined ? { failcnt: m.failcnt } : {}),
      limit: m.limit,
    },
    name,
    id,
  };
}
