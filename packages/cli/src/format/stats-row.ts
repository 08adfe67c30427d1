import { truncateId } from './go-text';
import { bytesSize, humanSize } from '@berth/api';
import { FormatContext, formatContextOf } from './template';

/** docker's row type, named in template errors. */
const StatsContext = formatContextOf('*container.statsContext');

export const STATS_DEFAULT_FORMAT = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';
export const STATS_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID',
  Container: 'CONTAINER',
  Name: 'NAME',
  CPUPerc: 'CPU %',
  MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %',
  NetIO: 'NET I/O',
  BlockIO: 'BLOCK I/O',
  PIDs: 'PIDS',
};

type Obj = Record<string, unknown>;
const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : 0);
const obj = (v: unknown): Obj => (v && typeof v === 'object' ? (v as Obj) : {});

/** CPU %: the docker CLI's calculateCPUPercentUnix over cpu_stats and precpu_stats. */
export function cpuPercent(s: Obj): number {
  const cpu = obj(s.cpu_stats);
  const pre = obj(s.precpu_stats);
  const cpuDelta = num(obj(cpu.cpu_usage).total_usage) - num(obj(pre.cpu_usage).total_usage);
  const sysDelta = num(cpu.system_cpu_usage) - num(pre.system_cpu_usage);
  let online = num(cpu.online_cpus);
  if (online === 0) online = ((obj(cpu.cpu_usage).percpu_usage as unknown[]) ?? []).length;
  return sysDelta > 0 && cpuDelta > 0 ? (cpuDelta / sysDelta) * online * 100 : 0;
}

/** Memory without the page cache (cgroup v1 total_inactive_file, v2 inactive_file), like docker. */
export function memUsage(s: Obj): number {
  const m = obj(s.memory_stats);
  const usage = num(m.usage);
  const st = obj(m.stats);
  const inactive = st.total_inactive_file !== undefined ? num(st.total_inactive_file) : num(st.inactive_file);
  return inactive < usage ? usage - inactive : usage;
}

/** docker's Name(): the name without its first character (the `/`), `--` before a sample has one. */
function nameOf(s: Obj): string {
  const n = String(s.name ?? '');
  return n.length > 1 ? n.slice(1) : '--';
}

/**
 * One `docker stats --no-stream` row. `invalid`: the container's stream has ended in error (or
 * was cancelled by ctrl-c): docker keeps its ID and name and shows `--` for the figures.
 */
export function statsRow(s: Obj, o: { trunc: boolean; container: string; invalid?: boolean }): FormatContext {
  const m = obj(s.memory_stats);
  const usage = memUsage(s);
  const limit = num(m.limit);
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(obj(s.networks))) {
    rx += num(obj(n).rx_bytes);
    tx += num(obj(n).tx_bytes);
  }
  let read = 0;
  let write = 0;
  for (const e of (obj(s.blkio_stats).io_service_bytes_recursive as Obj[] | null) ?? []) {
    const op = String(e.op ?? '').toLowerCase();
    if (op === 'read') read += num(e.value);
    else if (op === 'write') write += num(e.value);
  }
  const id = String(s.id ?? '');
  const ident = { ID: o.trunc ? truncateId(id) : id, Container: o.container, Name: nameOf(s) };
  if (o.invalid) return new StatsContext({ ...ident, CPUPerc: '--', MemUsage: '-- / --', MemPerc: '--', NetIO: '--', BlockIO: '--', PIDs: '--' });
  return new StatsContext({
    ...ident,
    CPUPerc: `${cpuPercent(s).toFixed(2)}%`,
    MemUsage: `${bytesSize(usage)} / ${bytesSize(limit)}`,
    MemPerc: `${(limit > 0 ? (usage / limit) * 100 : 0).toFixed(2)}%`,
    NetIO: `${humanSize(rx)} / ${humanSize(tx)}`,
    BlockIO: `${humanSize(read)} / ${humanSize(write)}`,
    PIDs: String(num(obj(s.pids_stats).current)),
  });
}
