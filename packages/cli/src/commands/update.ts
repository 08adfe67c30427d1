import type { CliContext, ExitCode } from '../cli-context';
import type { Int64 } from '@berth/api';
import { bytesFlag, parseCpus, pflagInt } from '../run-options';
import { reportFlagError } from './run';
import { forEachArg } from './for-each';

export interface UpdateArgv {
  containers: string[];
  memory?: string;
  memorySwap?: string;
  memoryReservation?: string;
  cpus?: string;
  cpuShares?: string;
  pidsLimit?: string;
  restart?: string;
  blkioWeight?: string;
  cpuPeriod?: string;
  cpuQuota?: string;
  cpuRtPeriod?: string;
  cpuRtRuntime?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
}

/** `berth update [--memory --memory-swap --memory-reservation --cpus --cpu-shares --pids-limit --restart] CONTAINER...`: the CLI's body. */
export async function run(ctx: CliContext, argv: UpdateArgv): Promise<ExitCode> {
  // the size flags are pflag values: a bad one is a usage error (125) before any request
  let sizes: { memory: Int64; reservation: Int64; swap: Int64; nanoCpus: Int64 };
  let ints: Record<'cpuShares' | 'pidsLimit' | 'blkioWeight' | 'cpuPeriod' | 'cpuQuota' | 'cpuRtPeriod' | 'cpuRtRuntime', Int64 | undefined>;
  try {
    // pflag's int64 and uint16 flags (docker's update.go), base 0
    ints = {
      cpuShares: pflagInt(argv.cpuShares, 'cpu-shares'),
      pidsLimit: pflagInt(argv.pidsLimit, 'pids-limit'),
      blkioWeight: pflagInt(argv.blkioWeight, 'blkio-weight', 'uint16'),
      cpuPeriod: pflagInt(argv.cpuPeriod, 'cpu-period'),
      cpuQuota: pflagInt(argv.cpuQuota, 'cpu-quota'),
      cpuRtPeriod: pflagInt(argv.cpuRtPeriod, 'cpu-rt-period'),
      cpuRtRuntime: pflagInt(argv.cpuRtRuntime, 'cpu-rt-runtime'),
    };
    sizes = {
      memory: bytesFlag(argv.memory, 'memory'),
      reservation: bytesFlag(argv.memoryReservation, 'memory-reservation'),
      swap: bytesFlag(argv.memorySwap, 'memory-swap', true),
      nanoCpus: argv.cpus ? parseCpus(argv.cpus) : 0,
    };
  } catch (e) {
    return reportFlagError(ctx, 'update', e);
  }
  const body: Record<string, unknown> = {
    CpuShares: ints.cpuShares ?? 0,
    Memory: sizes.memory,
    NanoCpus: sizes.nanoCpus,
    CgroupParent: '',
    BlkioWeight: ints.blkioWeight ?? 0,
    BlkioWeightDevice: null,
    BlkioDeviceReadBps: null,
    BlkioDeviceWriteBps: null,
    BlkioDeviceReadIOps: null,
    BlkioDeviceWriteIOps: null,
    CpuPeriod: ints.cpuPeriod ?? 0,
    CpuQuota: ints.cpuQuota ?? 0,
    CpuRealtimePeriod: ints.cpuRtPeriod ?? 0,
    CpuRealtimeRuntime: ints.cpuRtRuntime ?? 0,
    CpusetCpus: argv.cpusetCpus ?? '',
    CpusetMems: argv.cpusetMems ?? '',
    Devices: null,
    DeviceCgroupRules: null,
    DeviceRequests: null,
    MemoryReservation: sizes.reservation,
    MemorySwap: sizes.swap,
    MemorySwappiness: null,
    OomKillDisable: null,
    PidsLimit: ints.pidsLimit ?? null,
    Ulimits: null,
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
  };
  // docker always sends a RestartPolicy (an empty Name leaves the container's alone)
  body.RestartPolicy = { Name: '', MaximumRetryCount: 0 };
  if (argv.restart) {
    const [name, count] = argv.restart.split(':');
    body.RestartPolicy = { Name: name, MaximumRetryCount: count ? Number(count) : 0 };
  }
  const client = ctx.client('general');
  const warnings: string[] = [];
  const code = await forEachArg(ctx, argv.containers, async (c) => {
    const r = await client.containers.update(c, body);
    warnings.push(...(r?.Warnings ?? []));
    return c;
  });
  // docker prints the daemon's warnings on stdout, after the names
  if (warnings.length) ctx.io.stdout.write(`${warnings.join('\n')}\n`);
  return code;
}
