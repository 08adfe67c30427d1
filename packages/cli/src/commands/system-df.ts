import type { CliContext, ExitCode } from '../cli-context';
import { humanSize } from '@berth/api';
import { renderTable } from '../format/table';
import { normalizeFormat, renderRows } from '../format/render';
import { InvalidArgumentError } from '@berth/errdefs';
import { type FormatContext, Template, formatContextOf } from '../format/template';
import { goStruct } from '../format/go-struct';
import { volumeRow } from './volume';
import type { ContainerSummary, ImageSummary } from '@berth/api';
import { containerRow } from '../format/container-rows';
import { imageRows } from '../format/image-rows';
import { timeAgo } from '../format/human-duration';

type Obj = Record<string, unknown>;
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

function reclaimable(size: number, total: number): string {
  const pct = total > 0 ? Math.trunc((size * 100) / total) : 0;
  return total > 0 ? `${humanSize(size, 4)} (${pct}%)` : humanSize(size, 4);
}

/** `berth system df`: the summary table (TYPE TOTAL ACTIVE SIZE RECLAIMABLE); `-v`: docker's verbose tables. */
export async function run(ctx: CliContext, argv: { verbose?: boolean; format?: string } = {}): Promise<ExitCode> {
  const df = await ctx.client('general').system.df();
  if (argv.verbose) return verbose(ctx, df, argv.format);
  const images = (df.Images as Obj[] | null) ?? [];
  const containers = (df.Containers as Obj[] | null) ?? [];
  const volumes = (df.Volumes as Obj[] | null) ?? [];
  const cache = (df.BuildCache as Obj[] | null) ?? [];
  const imgActive = images.filter((i) => num(i.Containers) > 0).length;
  const imgSize = num(df.LayersSize);
  let used = 0;
  for (const i of images) if (num(i.Containers) !== 0 && num(i.Size) !== -1 && num(i.SharedSize) !== -1) used += num(i.Size) - num(i.SharedSize);
  const active = (c: Obj) => /running|paused|restarting/.test(String(c.State ?? ''));
  const ctrActive = containers.filter(active).length;
  let ctrSize = 0;
  let ctrReclaim = 0;
  for (const c of containers) {
    ctrSize += num(c.SizeRw);
    if (!active(c)) ctrReclaim += num(c.SizeRw);
  }
  const usage = (v: Obj) => (v.UsageData as Obj | undefined) ?? {};
  const volActive = volumes.filter((v) => num(usage(v).RefCount) > 0).length;
  let volSize = 0;
  let volReclaim = 0;
  for (const v of volumes) {
    const s = num(usage(v).Size);
    if (s === -1) continue;
    volSize += s;
    if (num(usage(v).RefCount) === 0) volReclaim += s;
  }
  let cacheSize = 0;
  let cacheReclaim = 0;
  let cacheActive = 0;
  for (const b of cache) {
    if (b.InUse) cacheActive++;
    if (!b.Shared) cacheSize += num(b.Size);
    if (!b.InUse && !b.Shared) cacheReclaim += num(b.Size);
  }
  const rows = [
    ['Images', String(images.length), String(imgActive), humanSize(imgSize, 4), reclaimable(Math.max(0, imgSize - used), imgSize)],
    ['Containers', String(containers.length), String(ctrActive), humanSize(ctrSize, 4), reclaimable(ctrReclaim, ctrSize)],
    ['Local Volumes', String(volumes.length), String(volActive), humanSize(volSize, 4), reclaimable(volReclaim, volSize)],
    ['Build Cache', String(cache.length), String(cacheActive), humanSize(cacheSize, 4), humanSize(cacheReclaim, 4)],
  ];
  if (argv.format) {
    // docker's four row types (a template error names the first: the images row's)
    const contexts = [IMAGES_CONTEXT, CONTAINERS_CONTEXT, VOLUMES_CONTEXT, BUILDER_CONTEXT];
    const objs = rows.map(([Type, TotalCount, Active, Size, Reclaimable], i) => new contexts[i]!({ Type, TotalCount, Active, Size, Reclaimable }));
    ctx.io.stdout.write(renderRows(normalizeFormat(argv.format, DF_FORMAT), objs, { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' }));
    return 0;
  }
  ctx.io.stdout.write(renderTable([['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'], ...rows]));
  return 0;
}

const DF_FORMAT = 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
const IMAGES_CONTEXT = formatContextOf('*formatter.diskUsageImagesContext');
const CONTAINERS_CONTEXT = formatContextOf('*formatter.diskUsageContainersContext');
const VOLUMES_CONTEXT = formatContextOf('*formatter.diskUsageVolumesContext');
const BUILDER_CONTEXT = formatContextOf('*formatter.diskUsageBuilderContext');

/** docker's verbose image rows: one per image, its first tag only (`<none>` for a dangling one). */
function verboseImageRow(i: Partial<ImageSummary>, o: { trunc: boolean; now: number }): FormatContext {
  const row = imageRows({ ...i, RepoTags: i.RepoTags?.slice(0, 1) ?? [] }, { ...o, digests: false })[0]!;
  // docker's df makes its imageContext without a digest
  (row as unknown as Obj).Digest = '';
  return row;
}

const DISK_USAGE_FIELDS = ['Images:z', 'Containers:z', 'Volumes:z', 'BuildCache:z'];

/**
 * `system df -v`: images, containers, volumes and build cache, each in docker's verbose table;
 * with a `--format` other than `table`, the template runs once on docker's diskUsageContext (its
 * four row lists, full IDs) and nothing is added after it (no newline).
 */
function verbose(ctx: CliContext, df: Obj, format?: string): ExitCode {
  const now = ctx.now();
  if (format && format !== 'table') {
    const trunc = format.startsWith('table');
    const duc = goStruct('*formatter.diskUsageContext', DISK_USAGE_FIELDS, {
      Images: ((df.Images as Partial<ImageSummary>[] | null) ?? []).map((i) => verboseImageRow(i, { trunc, now })),
      // docker does not show the virtual size here
      Containers: ((df.Containers as Partial<ContainerSummary>[] | null) ?? []).map((c) => containerRow({ ...c, SizeRootFs: 0 }, { trunc, now })),
      Volumes: ((df.Volumes as Obj[] | null) ?? []).map((v) => volumeRow(v)),
      BuildCache: [],
    });
    const text = normalizeFormat(format, '').replace(/^table\s*/, '');
    let tmpl: Template;
    try {
      tmpl = new Template(text);
    } catch (e) {
      throw new InvalidArgumentError(`template parsing error: ${(e as Error).message}`, { cause: e });
    }
    ctx.io.stdout.write(tmpl.execute(duc));
    return 0;
  }
  const images = (df.Images as Partial<ImageSummary>[] | null) ?? [];
  const containers = (df.Containers as Partial<ContainerSummary>[] | null) ?? [];
  const volumes = (df.Volumes as Obj[] | null) ?? [];
  const cache = (df.BuildCache as Obj[] | null) ?? [];
  const f = (c: object, k: string) => String((c as Record<string, unknown>)[k] ?? '');
  let out = 'Images space usage:\n\n';
  const irows = [['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS']];
  for (const i of images) for (const r of [verboseImageRow(i, { trunc: true, now })]) irows.push(['Repository', 'Tag', 'ID', 'CreatedSince', 'Size', 'SharedSize', 'UniqueSize', 'Containers'].map((k) => f(r, k)));
  out += renderTable(irows);
  out += '\nContainers space usage:\n\n';
  const crows = [['CONTAINER ID', 'IMAGE', 'COMMAND', 'LOCAL VOLUMES', 'SIZE', 'CREATED', 'STATUS', 'NAMES']];
  for (const c of containers) {
    const r = containerRow(c, { trunc: true, now });
    crows.push([f(r, 'ID'), f(r, 'Image'), f(r, 'Command'), f(r, 'LocalVolumes'), humanSize(num(c.SizeRw)), f(r, 'RunningFor'), f(r, 'Status'), f(r, 'Names')]);
  }
  out += renderTable(crows);
  out += '\nLocal Volumes space usage:\n\n';
  const vrows = [['VOLUME NAME', 'LINKS', 'SIZE']];
  for (const v of volumes) {
    const u = (v.UsageData as Obj | undefined) ?? {};
    vrows.push([String(v.Name ?? ''), String(num(u.RefCount)), num(u.Size) === -1 ? 'N/A' : humanSize(num(u.Size), 4)]);
  }
  out += renderTable(vrows);
  let cacheTotal = 0;
  for (const b of cache) if (!b.Shared) cacheTotal += num(b.Size);
  out += `\nBuild cache usage: ${humanSize(cacheTotal, 4)}\n\n`;
  const brows = [['CACHE ID', 'CACHE TYPE', 'SIZE', 'CREATED', 'LAST USED', 'USAGE', 'SHARED']];
  const secs = (t: unknown) => (typeof t === 'string' && t ? Math.trunc(Date.parse(t) / 1000) : 0);
  for (const b of cache) {
    brows.push([String(b.ID ?? '').slice(0, 12), String(b.Type ?? ''), humanSize(num(b.Size), 4), timeAgo(secs(b.CreatedAt), now), b.LastUsedAt ? timeAgo(secs(b.LastUsedAt), now) : '', String(num(b.UsageCount)), b.Shared ? 'true' : 'false']);
  }
  out += renderTable(brows);
  ctx.io.stdout.write(out);
  return 0;
}
