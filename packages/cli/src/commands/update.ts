import type { CliContext, ExitCode } from '../cli-context';
import { parseCpus, parseMemory } from '../run-options';
import { forEachArg } from './for-each';

export interface UpdateArgv {
  containers: string[];
  memory?: string;
  memorySwap?: string;
  memoryReservation?: string;
  cpus?: string;
  cpuShares?: number;
  pidsLimit?: number;
  restart?: string;
}

/** `berth update [--memory --memory-swap --memory-reservation --cpus --cpu-shares --pids-limit --restart] CONTAINER...`: the CLI's body. */
export async function run(ctx: CliContext, argv: UpdateArgv): Promise<ExitCode> {
  const body: Record<string, unknown> = {
    CpuShares: argv.cpuShares ?? 0,
    Memory: argv.memory ? parseMemory(argv.memory) : 0,
    NanoCpus: argv.cpus ? parseCpus(argv.cpus) : 0,
    CgroupParent: '',
    BlkioWeight: 0,
    BlkioWeightDevice: null,
    BlkioDeviceReadBps: null,
    BlkioDeviceWriteBps: null,
    BlkioDeviceReadIOps: null,
    BlkioDeviceWriteIOps: null,
    CpuPeriod: 0,
    CpuQuota: 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: '',
    CpusetMems: '',
    Devices: null,
    DeviceCgroupRules: null,
    DeviceRequests: null,
    MemoryReservation: argv.memoryReservation ? parseMemory(argv.memoryReservation) : 0,
    MemorySwap: argv.memorySwap ? (argv.memorySwap === '-1' ? -1 : parseMemory(argv.memorySwap)) : 0,
    MemorySwappiness: null,
    OomKillDisable: null,
    PidsLimit: argv.pidsLimit ?? null,
    Ulimits: null,
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
  };
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
