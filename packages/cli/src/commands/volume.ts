import type { CliContext, ExitCode } from '../cli-context';
import { confirm } from '../confirm';
import { humanSize } from '@berth/api';
import { normalizeFormat, renderRows } from '../format/render';
import { naturalCompare } from '../format/natural-order';
import type { Volume } from '@berth/client';
import { type FormatContext, labelledContextOf } from '../format/template';
import { parseFilterFlags } from './filter-flags';
import { INSPECT_TYPES } from '../format/docker-types';
import { inspectEach } from './inspect';
import { forEachArg } from './for-each';

/** docker's volumeContext, with its Label(name) method. */
const VolumeContext = labelledContextOf('*formatter.volumeContext');

const HEADERS: Record<string, string> = { Driver: 'DRIVER', Name: 'VOLUME NAME', Mountpoint: 'MOUNTPOINT', Scope: 'SCOPE', Labels: 'LABELS' };

/** docker's volumeContext row of a volume: Links and Size from its UsageData (`system df -v`), else N/A as the cluster fields are for a local volume. */
export function volumeRow(v: Partial<Volume>): FormatContext {
  const usage = v.UsageData as { RefCount?: number; Size?: number } | null | undefined;
  return new VolumeContext(
    {
      Driver: v.Driver ?? '',
      Name: v.Name ?? '',
      Mountpoint: v.Mountpoint ?? '',
      Scope: v.Scope ?? '',
      Labels: Object.entries(v.Labels ?? {})
        .map(([k, x]) => `${k}=${x}`)
        .join(','),
      Links: usage ? String(usage.RefCount ?? 0) : 'N/A',
      Size: usage ? humanSize(usage.Size ?? 0, 4) : 'N/A',
      Group: 'N/A',
      Availability: 'N/A',
      Status: 'N/A',
    },
    v.Labels ?? {},
  );
}

/** `berth volume ls [-q] [--filter] [--format]`. */
export async function ls(ctx: CliContext, argv: { quiet?: boolean; filter?: string[]; format?: string }): Promise<ExitCode> {
  const vols = await ctx.client('general').volumes.list({ filters: parseFilterFlags(argv.filter) });
  const format = argv.quiet ? '{{.Name}}' : normalizeFormat(argv.format, 'table {{.Driver}}\t{{.Name}}');
  // docker's CLI lists them by name, in natural order
  const rows = [...vols].sort((a, b) => naturalCompare(a.Name ?? '', b.Name ?? '')).map(volumeRow);
  ctx.io.stdout.write(renderRows(format, rows, HEADERS));
  return 0;
}

/** `berth volume create [-d DRIVER] [--label K=V] [-o K=V] [NAME]`: prints the name. */
export async function create(ctx: CliContext, argv: { name?: string; driver?: string; label?: string[]; opt?: string[] }): Promise<ExitCode> {
  const kv = (l: string[] | undefined) => Object.fromEntries((l ?? []).map((x) => (x.includes('=') ? [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)] : [x, ''])));
  const v = await ctx.client('general').volumes.create({ name: argv.name, driver: argv.driver, labels: kv(argv.label), driverOpts: kv(argv.opt) });
  ctx.io.stdout.write(`${v.Name}\n`);
  return 0;
}

/** `berth volume inspect [-f] VOLUME...`. */
export async function inspect(ctx: CliContext, argv: { names: string[]; format?: string }): Promise<ExitCode> {
  const client = ctx.client('general');
  return inspectEach(ctx, argv.names, (n) => client.volumes.inspect(n), argv.format, INSPECT_TYPES.volume);
}

/** `berth volume rm [-f] VOLUME...`: echoes each name. */
export function rm(ctx: CliContext, argv: { volumes: string[]; force?: boolean }): Promise<ExitCode> {
  const client = ctx.client('general');
  return forEachArg(ctx, argv.volumes, async (v) => {
    await client.volumes.remove(v, { force: argv.force });
    return v;
  }, { sequential: true });
}

/** `berth volume prune [-f] [--filter]`. */
export async function prune(ctx: CliContext, argv: { force?: boolean; filter?: string[]; all?: boolean }): Promise<ExitCode> {
  // -a: docker's `all=true` filter (named volumes too)
  const filters = parseFilterFlags(argv.filter);
  if (argv.all) filters.all = ['true'];
  const warning = argv.all ? 'WARNING! This will remove all local volumes not used by at least one container.' : 'WARNING! This will remove anonymous local volumes not used by at least one container.';
  if (!argv.force && !(await confirm(ctx.io, warning))) return 0;
  const r = await ctx.client('general').volumes.prune({ filters });
  const deleted = r.VolumesDeleted ?? [];
  ctx.io.stdout.write(`${deleted.length ? `Deleted Volumes:\n${deleted.map((d) => `${d}\n`).join('')}\n` : ''}Total reclaimed space: ${humanSize(r.SpaceReclaimed ?? 0, 4)}\n`);
  return 0;
}
