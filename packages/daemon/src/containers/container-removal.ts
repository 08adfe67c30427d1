import { promises as fs } from 'node:fs';
import { InternalError, messageOf } from '@berth/errdefs';
import { isMountPoint } from '@berth/runtime';
import type { ContainerContext } from './container-context';
import type { Entry } from './container-entry';
import type { ContainerExecs } from './container-exec';
import type { ContainerVolumes } from './container-volumes';
import { notifyRemoved } from './container-waiters';

/** The end of a container: everything it owns on disk and in memory goes, once. */
export class ContainerRemoval {
  constructor(
    private readonly ctx: ContainerContext,
    private readonly volumes: ContainerVolumes,
    private readonly execs: ContainerExecs,
  ) {}

  /**
   * Removes everything of a stopped container: mount, runtime record, snapshot, directory, row;
   * with `volumes` (rm -v, --rm) its anonymous volumes too.
   */
  destroy(e: Entry, volumes = Boolean(e.rec.hostConfig.AutoRemove)): Promise<void> {
    if (e.removal) return e.removal;
    e.doomed = true;
    const ctx = this.ctx;
    const id = e.rec.id;
    const run = async (): Promise<void> => {
      if (e.rec.state.status !== 'removing') await ctx.setState(e, { status: 'removing' });
      if (e.restartTimer) clearTimeout(e.restartTimer);
      e.restartTimer = undefined;
      e.hub.endAll();
      const rootfs = ctx.rootfsOf(id);
      try {
        await ctx.mounts.forceUnmount(id, rootfs);
        if (await isMountPoint(rootfs).catch(() => false)) throw new InternalError(`rootfs ${rootfs}: still mounted`);
        await ctx.deps.snapshots.remove(id);
        // The shim deletes the runtime's record and writes exit.json into the bundle: wait
        // for it before the bundle goes. Only a lost task leaves a record behind.
        if (e.taskDone) await e.taskDone;
        if (e.runtimeDirty) await ctx.deps.runtime.delete(id).catch(() => undefined);
        await fs.rm(ctx.layout.containerDir(id), { recursive: true, force: true });
        await ctx.store.delete(id);
      } catch (err) {
        await ctx.setState(e, { status: 'dead', error: messageOf(err) }).catch(() => undefined);
        e.removal = undefined;
        throw new InternalError(`unable to remove filesystem for ${id}: ${messageOf(err)}`, { cause: err });
      }
      ctx.entries.delete(id);
      this.execs.forgetExecsOf(id);
      if (ctx.byName.get(e.rec.name) === e) ctx.byName.delete(e.rec.name);
      ctx.emit(e, 'destroy');
      if (volumes) for (const m of e.rec.mounts ?? []) if (m.Anonymous && m.Name) await this.volumes.removeVolume(m.Name);
      notifyRemoved(e);
    };
    e.removal = run();
    return e.removal;
  }
}
