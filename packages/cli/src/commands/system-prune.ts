import { humanSize } from '@berth/api';
import { InvalidArgumentError } from '@berth/errdefs';
import type { CliContext, ExitCode } from '../cli-context';
import { confirm } from '../confirm';
import { parseFilterFlags } from './filter-flags';

export interface SystemPruneArgv {
  all?: boolean;
  volumes?: boolean;
  force?: boolean;
  filter?: string[];
}

/**
 * `berth system prune [-a] [--volumes] [-f] [--filter]`: docker's confirmation (the list of what
 * goes, the filters), then container, network, (volume,) image and build-cache prunes in that
 * order, each one's report, and the total.
 */
export async function run(ctx: CliContext, argv: SystemPruneArgv): Promise<ExitCode> {
  const filters = parseFilterFlags(argv.filter);
  if (argv.volumes && filters.until) throw new InvalidArgumentError('ERROR: The "until" filter is not supported with "--volumes"');
  if (!argv.force) {
    const warnings = ['all stopped containers', 'all networks not used by at least one container'];
    if (argv.volumes) warnings.push('all anonymous volumes not used by at least one container');
    warnings.push(argv.all ? 'all images without at least one container associated to them' : 'all dangling images');
    warnings.push(argv.all ? 'all build cache' : 'unused build cache');
    let msg = `WARNING! This will remove:\n${warnings.map((w) => `  - ${w}\n`).join('')}`;
    const shown = ['label', 'label!', 'until'].flatMap((k) => (filters[k] ?? []).map((v) => `${k}=${v}`)).sort();
    if (shown.length) msg += `\n  Items to be pruned will be filtered with:\n${shown.map((f) => `  - ${f}\n`).join('')}`;
    if (!(await confirm(ctx.io, msg))) return 0;
  }
  const client = ctx.client('general');
  let total = 0;
  const print = (title: string, items: string[]) => {
    if (items.length) ctx.io.stdout.write(`${title}\n${items.map((i) => `${i}\n`).join('')}\n`);
  };
  const c = await client.containers.prune({ filters });
  total += c.SpaceReclaimed ?? 0;
  print('Deleted Containers:', c.ContainersDeleted ?? []);
  const n = await client.networks.prune({ filters });
  print('Deleted Networks:', n.NetworksDeleted ?? []);
  if (argv.volumes) {
    const v = await client.volumes.prune({ filters });
    total += v.SpaceReclaimed ?? 0;
    print('Deleted Volumes:', v.VolumesDeleted ?? []);
  }
  const i = await client.images.prune({ filters: { dangling: [argv.all ? 'false' : 'true'], ...filters } });
  total += i.SpaceReclaimed ?? 0;
  print('Deleted Images:', (i.ImagesDeleted ?? []).flatMap((it) => [...(it.Untagged ? [`untagged: ${it.Untagged}`] : []), ...(it.Deleted ? [`deleted: ${it.Deleted}`] : [])]));
  const b = await client.system.buildPrune({ all: argv.all, filters });
  total += b.SpaceReclaimed ?? 0;
  print('Deleted build cache objects:', b.CachesDeleted ?? []);
  ctx.io.stdout.write(`Total reclaimed space: ${humanSize(total, 4)}\n`);
  return 0;
}

/** `berth builder prune [-a] [-f] [--filter] [--keep-storage]`. */
export async function builderPrune(ctx: CliContext, argv: { all?: boolean; force?: boolean; filter?: string[]; keepStorage?: string }): Promise<ExitCode> {
  const filters = parseFilterFlags(argv.filter);
  const { bytesFlag } = require('../run-options') as typeof import('../run-options');
  const keep = bytesFlag(argv.keepStorage, 'keep-storage');
  if (!argv.force) {
    const msg = argv.all ? 'WARNING! This will remove all build cache.' : 'WARNING! This will remove all dangling build cache.';
    if (!(await confirm(ctx.io, msg, ' '))) return 0;
  }
  const b = await ctx.client('general').system.buildPrune({ all: argv.all, filters, keepStorage: Number(keep) });
  const ids = b.CachesDeleted ?? [];
  ctx.io.stdout.write(`${ids.length ? `Deleted build cache objects:\n${ids.map((i) => `${i}\n`).join('')}\n` : ''}Total reclaimed space: ${humanSize(b.SpaceReclaimed ?? 0, 4)}\n`);
  return 0;
}
