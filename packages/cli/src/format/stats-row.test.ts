import { describe, expect, it } from '@jest/globals';
import { renderRows } from './render';
import { STATS_DEFAULT_FORMAT, STATS_HEADERS, cpuPercent, statsRow } from './stats-row';

const SAMPLE = {
  id: 'd60a65032f8e6925bfa04f3546299bb772307b28c11b6389441aefeaa02b41a9',
  name: '/trace-x',
  pids_stats: { current: 1 },
  blkio_stats: { io_service_bytes_recursive: [] },
  memory_stats: { usage: 327680, stats: { total_inactive_file: 0, inactive_file: 0 }, limit: 25276502016 },
  networks: { eth0: { rx_bytes: 838, tx_bytes: 0 } },
  cpu_stats: { cpu_usage: { total_usage: 99617961, percpu_usage: [1, 2] }, system_cpu_usage: 4491680000000, online_cpus: 2 },
  precpu_stats: { cpu_usage: { total_usage: 99617961 }, system_cpu_usage: 4489680000000 },
};

describe('stats rows', () => {
  it('reproduces 87-stats-no-stream', () => {
    expect(renderRows(STATS_DEFAULT_FORMAT, [statsRow(SAMPLE, { trunc: true, container: 'trace-x' })], STATS_HEADERS)).toBe(
      'CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O     BLOCK I/O   PIDS\n' +
        'd60a65032f8e   trace-x   0.00%     320KiB / 23.54GiB   0.00%     838B / 0B   0B / 0B     1\n',
    );
  });
  it('computes CPU % like the docker CLI', () => {
    const s = { ...SAMPLE, cpu_stats: { ...SAMPLE.cpu_stats, cpu_usage: { total_usage: 99617961 + 20000000 } } };
    expect(cpuPercent(s)).toBeCloseTo(2, 5); // 20ms of 2s system time on 2 CPUs
  });
});

describe('statsRow invalid', () => {
  it('keeps the ID and name and shows docker\'s -- figures', () => {
    const r = statsRow({ id: 'a'.repeat(64), name: '/web', memory_stats: { usage: 10, limit: 100 } }, { trunc: true, container: 'web', invalid: true }) as unknown as Record<string, string>;
    expect(r).toMatchObject({ ID: 'aaaaaaaaaaaa', Name: 'web', CPUPerc: '--', MemUsage: '-- / --', MemPerc: '--', NetIO: '--', BlockIO: '--', PIDs: '--' });
  });
  it('before a sample has a name: docker\'s Name() is --, the ID empty', () => {
    const r = statsRow({}, { trunc: true, container: 'web', invalid: true }) as unknown as Record<string, string>;
    expect(r).toMatchObject({ ID: '', Container: 'web', Name: '--', PIDs: '--' });
  });
});
