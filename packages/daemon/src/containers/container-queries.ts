import type { ContainerInspect, ContainerSummary } from '@berth/api';
import { containerChanges, imageLowerDirs, type ContainerChange } from './container-changes';
import type { ContainerContext } from './container-context';
import { isActive } from './container-entry';
import type { ContainerExecs } from './container-exec';
import { compileListFilters } from './container-filters';
import type { ContainerRecord } from './container-record';
import type { ContainerCounts, ContainerImageUser, ListOptions } from './container-service';
import { graphDriverData, toInspect, toSummary } from './container-views';
import { initLayerPath } from './init-layer';
import { appArmorProfileOf } from './security-opts';

/** Read-only views of the containers: ps, inspect, diff, the record, image users, counts. */
export class ContainerQueries {
  constructor(
    private readonly ctx: ContainerContext,
    private readonly execs: ContainerExecs,
  ) {}

  async list(opts: ListOptions = {}): Promise<ContainerSummary[]> {
    const ctx = this.ctx;
    const filters = opts.filters ?? new Map();
    const ancestorIds = new Set<string>();
    for (const a of filters.get('ancestor') ?? []) {
      const img = await ctx.deps.images.get(a).catch(() => undefined);
      if (img) ancestorIds.add(img.id);
    }
    const { match, impliesAll } = compileListFilters(filters, { seqOf: (r) => ctx.mustGet(r).rec.seq, ancestorIds });
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const all = Boolean(opts.all) || impliesAll || limit > 0;
    const recs = [...ctx.entries.values()].map((e) => e.rec).sort((a, b) => b.seq - a.seq);
    const now = ctx.now();
    const out: ContainerSummary[] = [];
    for (const rec of recs) {
      if (!all && !isActive(rec.state.status)) continue;
      if (!match(rec)) continue;
      out.push(toSummary(rec, now, await ctx.networking.settings(rec), opts.size ? await this.sizes(rec) : undefined));
      if (limit && out.length >= limit) break;
    }
    return out;
  }

  private async sizes(rec: ContainerRecord): Promise<{ rw: number; rootFs: number }> {
    const rw = await this.ctx.deps.snapshots.usage(rec.id).then((u) => u.size).catch(() => 0);
    const img = await this.ctx.deps.images.get(rec.imageId).catch(() => undefined);
    return { rw, rootFs: rw + (img?.size ?? 0) };
  }

  async inspect(ref: string, opts: { size?: boolean } = {}): Promise<ContainerInspect> {
    const ctx = this.ctx;
    const e = ctx.mustGet(ref);
    const rec = e.rec;
    const mounts = await ctx.describeMounts(rec.id).catch(() => undefined);
    const { seq: _seq, ...plain } = rec;
    const out = toInspect(structuredClone(plain), ctx.layout, {
      graphDriver: graphDriverData(mounts, ctx.rootfsOf(rec.id)),
      size: opts.size ? await this.sizes(rec) : undefined,
      network: await ctx.networking.settings(rec),
      appArmorProfile: appArmorProfileOf(ctx.deps.apparmor, rec.hostConfig),
    });
    out.ExecIDs = this.execs.execIdsOf(rec.id);
    return out;
  }

  async changes(ref: string): Promise<ContainerChange[] | null> {
    const ctx = this.ctx;
    const e = ctx.mustGet(ref);
    const id = e.rec.id;
    const [upper, mounts] = await Promise.all([ctx.deps.snapshots.upperDir(id), ctx.deps.snapshots.mounts(id)]);
    const list = await containerChanges(upper, imageLowerDirs(mounts, initLayerPath(ctx.layout.containerDir(id))));
    return list.length ? list : null;
  }

  async get(ref: string): Promise<ContainerRecord> {
    const { seq: _seq, ...rec } = this.ctx.mustGet(ref).rec;
    return structuredClone(rec);
  }

  async imageUsers(imageId: string): Promise<ContainerImageUser[]> {
    const out: ContainerImageUser[] = [];
    for (const e of this.ctx.entries.values()) {
      if (e.rec.imageId === imageId) out.push({ id: e.rec.id, running: isActive(e.rec.state.status) });
    }
    return out;
  }

  async counts(): Promise<ContainerCounts> {
    let running = 0;
    let paused = 0;
    let stopped = 0;
    for (const e of this.ctx.entries.values()) {
      const s = e.rec.state.status;
      if (s === 'paused') paused++;
      else if (s === 'running' || s === 'restarting') running++;
      else stopped++;
    }
    return { total: this.ctx.entries.size, running, paused, stopped };
  }
}
