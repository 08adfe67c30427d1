import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InternalError, messageOf, storageFailureOf } from '@berth/errdefs';
import { isMountPoint, removeBundle } from '@berth/runtime';
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
      const t0 = process.hrtime.bigint();
      const ms = (): number => Number(process.hrtime.bigint() - t0) / 1e6;
      const times: Record<string, number> = {};
      // A full disk may refuse this row: the removal goes on (it is what frees the space), and
      // the bundle is then deleted before the row is, so that the row's delete finds room.
      let unsaved = false;
      const removing =
        e.rec.state.status !== 'removing'
          ? ctx.setState(e, { status: 'removing' }, { evenUnsaved: true }).then((saved) => {
              unsaved = !saved;
            })
          : undefined;
      if (e.restartTimer) clearTimeout(e.restartTimer);
      e.restartTimer = undefined;
      e.hub.endAll();
      const rootfs = ctx.rootfsOf(id);
      try {
        // recorded as removing before anything is touched on disk; the unmount may run meanwhile
        const unmount = ctx.mounts.forceUnmount(id, rootfs);
        try {
          await removing;
        } catch (err) {
          await unmount.catch(() => undefined);
          throw err;
        }
        await unmount;
        if (await isMountPoint(rootfs).catch(() => false)) throw new InternalError(`rootfs ${rootfs}: still mounted`);
        times.unmounted = ms();
        // The bundle (with the snapshot's upper and work dirs) moves into tmp/ (emptied at
        // daemon start) at once and is deleted there once the shim is done with it (it deletes
        // the runtime's record and writes exit.json, relative to its cwd, meanwhile). Only a
        // lost task leaves a runtime record behind.
        const trash = await this.moveAside(id);
        times.dir = ms();
        const finish = async (): Promise<void> => {
          if (e.taskDone) await e.taskDone;
          await ctx.mounts.settled(id); // the kernel is done with upper/ and work/
          if (e.runtimeDirty) await ctx.runtimeFor(e).delete(id).catch(() => undefined);
          await removeBundle(trash);
          // its runtime state on the exec root: the shim's files, the execs' dirs
          await fs.rm(ctx.layout.containerStateDir(id), { recursive: true, force: true });
        };
        let finishing: Promise<void> | undefined;
        if (trash === ctx.layout.containerDir(id) || unsaved) await finish();
        else {
          finishing = finish();
          finishing.catch((err) => ctx.log.warn({ id, err: messageOf(err) }, 'removing the bundle'));
        }
        ctx.forgetMounts(id);
        await ctx.networking.release(id);
        const forget = async (): Promise<void> => {
          await ctx.deps.snapshots.remove(id);
          times.snapshot = ms();
          await ctx.store.delete(id);
          times.row = ms();
        };
        await forget().catch(async (err) => {
          // a full disk refused the rows while the bundle (often what fills it) was still going:
          // once it is gone, once more
          if (!finishing || storageFailureOf(err) === undefined) throw err;
          await finishing.catch(() => undefined);
          await forget();
        });
      } catch (err) {
        // dead in memory even when the database refuses the row: removable again (docker's SetRemovalError)
        await ctx.setState(e, { status: 'dead', error: messageOf(err) }, { evenUnsaved: true }).catch(() => undefined);
        e.removal = undefined;
        throw new InternalError(`unable to remove filesystem for ${id}: ${messageOf(err)}`, { cause: err });
      }
      ctx.entries.delete(id);
      this.execs.forgetExecsOf(id);
      if (ctx.byName.get(e.rec.name) === e) ctx.byName.delete(e.rec.name);
      ctx.emit(e, 'destroy');
      if (volumes) for (const m of e.rec.mounts ?? []) if (m.Anonymous && m.Name) await this.volumes.removeVolume(m.Name);
      notifyRemoved(e);
      ctx.log.debug({ id, ...times, removed: ms() }, 'container removed');
    };
    e.removal = run();
    return e.removal;
  }

  /** Renames the container's directory into tmp/; its own path when that cannot be done. */
  private async moveAside(id: string): Promise<string> {
    const dir = this.ctx.layout.containerDir(id);
    const trash = path.join(this.ctx.layout.tmpDir, `removed-${id}-${randomBytes(4).toString('hex')}`);
    try {
      await fs.rename(dir, trash);
      return trash;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        // no tmp/ (a test layout), or the bundle is already gone
        if (await fs.stat(dir).then(() => true, () => false)) {
          await fs.mkdir(this.ctx.layout.tmpDir, { recursive: true });
          return fs.rename(dir, trash).then(() => trash, () => dir);
        }
        return dir;
      }
      return dir; // EXDEV & co: delete in place
    }
  }
}
