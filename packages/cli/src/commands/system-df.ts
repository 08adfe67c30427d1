import type { CliContext, ExitCode } from '../cli-context';
import { humanSize } from '@berth/api';
import { renderTable } from '../format/table';

type Obj = Record<string, unknown>;
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

function reclaimable(size: number, total: number): string {
  const pct = total > 0 ? Math.trunc((size * 100) / total) : 0;
  return total > 0 ? `${humanSize(size, 4)} (${pct}%)` : humanSize(size, 4);
}

/** `berth system df`: the summary table (TYPE TOTAL ACTIVE SIZE RECLAIMABLE). `-v` is not implemented. */
export async function run(ctx: CliContext): Promise<ExitCode> {
  const df = await ctx.client('general').system.df();
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
  ctx.io.stdout.write(
    renderTable([
      ['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'],
      ['Images', String(images.length), String(imgActive), humanSize(imgSize, 4), reclaimable(Math.max(0, imgSize - used), imgSize)],
      ['Containers', String(containers.length), String(ctrActive), humanSize(ctrSize, 4), reclaimable(ctrReclaim, ctrSize)],
      ['Local Volumes', String(volumes.length), String(volActive), humanSize(volSize, 4), reclaimable(volReclaim, volSize)],
      ['Build Cache', String(cache.length), String(cacheActive), humanSize(cacheSize, 4), humanSize(cacheReclaim, 4)],
    ]),
  );
  return 0;
}
