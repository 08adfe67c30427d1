import { readCgroupStats, type CgroupStats } from '@berth/runtime';
import type { ContainerContext } from './container-context';
import { isActive } from './container-entry';
import { cgroupPathOf, cgroupPids, emptyStats, parsePs, runPs, statsMessage } from './container-processes';
import { checkRunning } from './container-state';

/** `docker top` and `docker stats` (cgroup reading and `ps` in container-processes.ts). */
export class ContainerStats {
  constructor(private readonly ctx: ContainerContext) {}

  async top(ref: string, psArgs?: string): Promise<{ Titles: string[]; Processes: string[][] }> {
    const e = this.ctx.mustGet(ref);
    checkRunning(e.rec.id, e.rec.state.status === 'paused' ? 'running' : e.rec.state.status);
    const cgroup = await cgroupPathOf(this.ctx.layout.containerDir(e.rec.id));
    const [pids, out] = await Promise.all([cgroupPids(cgroup), runPs(psArgs)]);
    return parsePs(out, pids);
  }

  async stats(ref: string, opts: { stream: boolean; oneShot?: boolean; signal?: AbortSignal }): Promise<AsyncIterable<Record<string, unknown>>> {
    const ctx = this.ctx;
    const e = ctx.mustGet(ref);
    const id = e.rec.id;
    const sleep = (ms: number): Promise<void> =>
      new Promise((resolve) => {
        const t = setTimeout(resolve, ms);
        opts.signal?.addEventListener('abort', () => {
          clearTimeout(t);
          resolve();
        }, { once: true });
      });
    const sample = async (): Promise<CgroupStats | undefined> => {
      if (!isActive(e.rec.state.status) || !e.task) return undefined;
      try {
        return await readCgroupStats(await cgroupPathOf(ctx.layout.containerDir(id)));
      } catch {
        return undefined;
      }
    };
    async function* messages(): AsyncGenerator<Record<string, unknown>> {
      let prev = opts.oneShot ? undefined : await sample();
      if (!opts.stream) {
        if (!prev && !opts.oneShot) {
          yield emptyStats(e.rec.name, id);
          return;
        }
        if (!opts.oneShot) await sleep(1000);
        const cur = await sample();
        yield cur ? statsMessage(cur, prev, e.rec.name, id) : emptyStats(e.rec.name, id);
        return;
      }
      for (;;) {
        if (opts.signal?.aborted) return;
        const cur = await sample();
        if (!cur) {
          yield emptyStats(e.rec.name, id);
          if (!isActive(e.rec.state.status) || ctx.entries.get(id) !== e) return;
        } else {
          yield statsMessage(cur, prev, e.rec.name, id);
          prev = cur;
        }
        await sleep(1000);
      }
    }
    return messages();
  }
}
