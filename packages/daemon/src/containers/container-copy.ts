import type { Readable } from 'node:stream';
import type { RuntimeMount } from '@berth/oci';
import { ConflictError, InvalidArgumentError, messageOf } from '@berth/errdefs';
import { containerFilePaths, orderUserMounts, resolveUser } from '@berth/runtime';
import { extractIntoContainer, statContainerPath, tarContainerPath, type PathStat } from './container-archive';
import type { ContainerContext } from './container-context';
import type { Entry } from './container-entry';
import { buildFsView, type ContainerFsView, type MountInput } from './container-fs-view';
import { createMountTargets } from './mount-points';

/**
 * The container's filesystem from outside: a refcounted mount of its rootfs, `docker export`
 * and `docker cp` (HEAD/GET/PUT archive, built on container-archive.ts).
 */
export class ContainerCopy {
  constructor(private readonly ctx: ContainerContext) {}

  async mountRootfs(ref: string): Promise<{ path: string; release(): Promise<void> }> {
    const ctx = this.ctx;
    const e = ctx.mustGet(ref);
    if (e.doomed) throw new ConflictError(`container ${e.rec.id} is marked for removal`);
    const id = e.rec.id;
    const rootfs = ctx.rootfsOf(id);
    await ctx.mounts.acquire(id, rootfs, () => ctx.describeMounts(id));
    let released = false;
    return {
      path: rootfs,
      release: async () => {
        if (released) return;
        released = true;
        await ctx.mounts.release(id, rootfs);
      },
    };
  }

  async export(ref: string, signal?: AbortSignal): Promise<Readable> {
    const ctx = this.ctx;
    const e = ctx.mustGet(ref);
    const m = await this.mountRootfs(e.rec.id);
    let stream: Readable;
    try {
      stream = await ctx.deps.packDirectory(m.path, { signal });
    } catch (err) {
      await m.release();
      throw err;
    }
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      m.release().catch((err) => ctx.log.warn({ id: e.rec.id, err: messageOf(err) }, 'export: unmount'));
    };
    stream.once('end', release);
    stream.once('close', release);
    stream.once('error', release);
    ctx.emit(e, 'export');
    return stream;
  }

  /**
   * The container's filesystem as cp sees it (docker mounts these for archive operations):
   * the rootfs with the network files kept in the bundle dir (/etc/hostname, hosts,
   * resolv.conf), then the binds and volumes in the order the OCI spec mounts them (shallow
   * destinations first). tmpfs mounts are left out, as docker's cp does (it sees the rootfs
   * under them).
   */
  private async cpView(e: Entry, rootfs: string): Promise<ContainerFsView> {
    await this.makeMountTargets(e, rootfs);
    return this.viewOf(e, rootfs);
  }

  /**
   * Docker's cp mounts the container's volumes and binds first (mountVolumes: each target made
   * where FollowSymlinkInScope leads, CreateIfNotExists). A container that is not running may
   * never have had its targets made: the ones behind a symlink in the image are made now, as its
   * start would (createMountTargets), so the view lays each mount where the start will and a cp
   * to `/missing/x/f` behind `/data -> /missing/x` reaches the volume too. A target it cannot
   * make (in a read-only mount) is left: the cp sees the rootfs there, as before.
   */
  private async makeMountTargets(e: Entry, rootfs: string): Promise<void> {
    if (e.rec.state.status === 'running' || e.rec.state.status === 'paused' || !e.rec.mounts?.length) return;
    const mounts: RuntimeMount[] = e.rec.mounts.map((m) => ({ destination: m.Destination, type: 'bind', source: m.Source, options: ['rbind', m.RW ? 'rw' : 'ro', 'rprivate'] }));
    await createMountTargets(mounts, rootfs).catch((err) => this.ctx.log.debug({ id: e.rec.id, err: messageOf(err) }, 'cp: a mount target left unmade'));
  }

  private viewOf(e: Entry, rootfs: string): ContainerFsView {
    const dir = this.ctx.layout.containerDir(e.rec.id);
    const user = orderUserMounts(e.rec.mounts ?? [], (m) => m.Destination);
    const list: MountInput[] = containerFilePaths(dir)
      .mounts.filter((m) => !user.covers(m.destination))
      .map((m) => ({ ...m, rw: true }));
    for (const m of user.ordered) list.push({ destination: m.Destination, source: m.Source, rw: m.RW });
    return buildFsView(rootfs, list);
  }

  async archiveStat(ref: string, containerPath: string): Promise<PathStat> {
    if (!containerPath) throw new InvalidArgumentError('path: required');
    const e = this.ctx.mustGet(ref);
    const m = await this.mountRootfs(ref);
    try {
      const view = await this.cpView(e, m.path);
      try {
        const r = statContainerPath(view, containerPath, ref);
        r.close();
        return r.stat;
      } finally {
        view.close();
      }
    } finally {
      await m.release().catch((err) => this.ctx.log.warn({ ref, err: messageOf(err) }, 'archive: unmount'));
    }
  }

  async archiveGet(ref: string, containerPath: string): Promise<{ stat: PathStat; tar: Readable }> {
    if (!containerPath) throw new InvalidArgumentError('path: required');
    const e = this.ctx.mustGet(ref);
    const m = await this.mountRootfs(ref);
    let tar: Readable;
    let stat: PathStat;
    let view: ContainerFsView | undefined;
    let r: ReturnType<typeof statContainerPath> | undefined;
    try {
      view = await this.cpView(e, m.path);
      r = statContainerPath(view, containerPath, ref);
      stat = r.stat;
      tar = await tarContainerPath(view, r, this.ctx.deps.packDirectory);
    } catch (err) {
      r?.close();
      view?.close();
      await m.release().catch(() => undefined);
      throw err;
    }
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      r!.close();
      view!.close();
      m.release().catch((err) => this.ctx.log.warn({ ref, err: messageOf(err) }, 'archive: unmount'));
    };
    tar.once('end', release);
    tar.once('close', release);
    tar.once('error', release);
    return { stat, tar };
  }

  async archivePut(
    ref: string,
    containerPath: string,
    input: Readable,
    opts: { noOverwriteDirNonDir?: boolean; copyUIDGID?: boolean; signal?: AbortSignal } = {},
  ): Promise<void> {
    const ctx = this.ctx;
    if (!containerPath) throw new InvalidArgumentError('path: required');
    const e = ctx.mustGet(ref);
    const m = await this.mountRootfs(ref);
    try {
      // docker's tarCopyOptions: with copyUIDGID and a container User, every entry belongs to
      // that user (names resolved through the container's /etc/passwd and /etc/group)
      const user = e.rec.config.User ?? '';
      const chown = opts.copyUIDGID && user !== '' ? await resolveUser(m.path, user) : undefined;
      const view = await this.cpView(e, m.path);
      try {
        await extractIntoContainer({
          chown: chown ? { uid: chown.uid, gid: chown.gid } : undefined,
          view,
          readonlyRootfs: Boolean(e.rec.hostConfig.ReadonlyRootfs),
          containerPath,
          containerRef: ref,
          input,
          noOverwriteDirNonDir: opts.noOverwriteDirNonDir,
          signal: opts.signal,
        });
      } finally {
        view.close();
      }
    } finally {
      await m.release().catch((err) => ctx.log.warn({ ref, err: messageOf(err) }, 'archive: unmount'));
    }
    ctx.emit(e, 'extract-to-dir');
  }
}
