import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { ConflictError, ForbiddenError, InvalidArgumentError, NotImplementedError, messageOf } from '@berth/errdefs';
import { extractIntoContainer, statContainerPath, tarPath, type PathStat } from './container-archive';
import type { ContainerContext } from './container-context';

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

  async archiveStat(ref: string, containerPath: string): Promise<PathStat> {
    if (!containerPath) throw new InvalidArgumentError('path: required');
    const m = await this.mountRootfs(ref);
    try {
      return (await statContainerPath(m.path, containerPath, ref)).stat;
    } finally {
      await m.release().catch((err) => this.ctx.log.warn({ ref, err: messageOf(err) }, 'archive: unmount'));
    }
  }

  async archiveGet(ref: string, containerPath: string): Promise<{ stat: PathStat; tar: Readable }> {
    if (!containerPath) throw new InvalidArgumentError('path: required');
    const m = await this.mountRootfs(ref);
    let tar: Readable;
    let stat: PathStat;
    try {
      const r = await statContainerPath(m.path, containerPath, ref);
      stat = r.stat;
      tar = tarPath(r.host, m.path);
    } catch (err) {
      await m.release().catch(() => undefined);
      throw err;
    }
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
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
    opts: { noOverwriteDirNonDir?: boolean; signal?: AbortSignal } = {},
  ): Promise<void> {
    const ctx = this.ctx;
    if (!containerPath) throw new InvalidArgumentError('path: required');
    const extract = ctx.deps.unpackTar;
    if (!extract) throw new NotImplementedError('archive: copying into a container is not available (no tar extractor configured)');
    const e = ctx.mustGet(ref);
    if (e.rec.hostConfig.ReadonlyRootfs) throw new ForbiddenError('container rootfs is marked read-only');
    const m = await this.mountRootfs(ref);
    try {
      await extractIntoContainer({
        rootfs: m.path,
        containerPath,
        containerRef: ref,
        input,
        scratchDir: path.join(ctx.layout.containerDir(e.rec.id), `cp-${randomBytes(6).toString('hex')}`),
        extract,
        noOverwriteDirNonDir: opts.noOverwriteDirNonDir,
        signal: opts.signal,
      });
    } finally {
      await m.release().catch((err) => ctx.log.warn({ ref, err: messageOf(err) }, 'archive: unmount'));
    }
    ctx.emit(e, 'extract-to-dir');
  }
}
