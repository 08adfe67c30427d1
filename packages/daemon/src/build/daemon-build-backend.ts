import { execFile } from 'node:child_process';
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Duplex } from 'node:stream';
import { promisify } from 'node:util';
import type { BuildBackend, BuildImage, CommitStepOptions, RunStepOptions } from '@berth/builder';
import type { HostConfig } from '@berth/api';
import { InternalError, messageOf } from '@berth/errdefs';
import { RootView, fdPath } from '@berth/fs';
import type { ImageStore, ImageRecord } from '@berth/image-store';
import type { ImageConfig, ImageRunConfig } from '@berth/oci';
import { extractIntoDirectory, type ContainerCreateOptions, type ContainerService } from '../containers';
import type { Logger } from '@berth/log';
import type { BuildContainers } from './build-containers';
import { ENGINE_VERSION } from '../engine-version';
import type { TagImage } from '../images/image-tagger';

const run = promisify(execFile);

export interface DaemonBuildBackendDeps {
  containers: ContainerService;
  imageStore: ImageStore;
  /** A pull for FROM of an image that is not here; progress lines are ignored. */
  pull?(ref: string, opts: { platform?: string; signal?: AbortSignal }): Promise<string>;
  /** Where read-only image mounts and scratch dirs go (the data root's tmp/). */
  tmpDir: string;
  logger: Logger;
  /** Where the build containers in flight are listed (removed at start after a crash). */
  buildContainers?: BuildContainers;
  /** The daemon's tag step (`-t`): the tag and its `image tag` event, as `docker tag`'s. */
  tagImage: TagImage;
}

/**
 * What every container of a build gets in its HostConfig: `docker build --memory/--memory-swap/
 * --cpu-shares/--cpu-period/--cpu-quota/--cpuset-cpus/--cpuset-mems/--cgroup-parent/--shm-size/
 * --ulimit` (moby's hostConfigFromOptions), made by the build route; the builder carries it to
 * this backend without knowing its shape (its `resources`).
 */
export type BuildHostConfig = Pick<HostConfig, 'Memory' | 'MemorySwap' | 'CpuShares' | 'CpuPeriod' | 'CpuQuota' | 'CpusetCpus' | 'CpusetMems' | 'CgroupParent' | 'ShmSize' | 'Ulimits'>;

function toBuildImage(r: ImageRecord): BuildImage {
  return { id: r.id, config: r.config, created: r.created, ...(r.parent ? { parent: r.parent } : {}) };
}

/**
 * The daemon's half of a build: RUN containers through the container service, steps committed
 * through image-store's committer, image roots mounted read-only for COPY --from and for the
 * metadata of existing directories.
 */
export class DaemonBuildBackend implements BuildBackend<BuildHostConfig> {
  constructor(private readonly deps: DaemonBuildBackendDeps) {}

  async findImage(ref: string): Promise<BuildImage | undefined> {
    const r = await this.deps.imageStore.images.find(ref);
    return r ? toBuildImage(r) : undefined;
  }

  async pullImage(ref: string, opts: { platform?: string; onStatus(line: string): void; signal?: AbortSignal }): Promise<BuildImage> {
    if (!this.deps.pull) throw new InternalError(`pull ${ref}: pulls are not available`);
    const id = await this.deps.pull(ref, { ...(opts.platform ? { platform: opts.platform } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
    return toBuildImage(await this.deps.imageStore.images.get(id));
  }

  async createImage(config: ImageConfig, parent?: string): Promise<BuildImage> {
    return toBuildImage(await this.deps.imageStore.images.create(config, parent ? { parent: parent as ImageRecord['id'] } : {}));
  }

  async setParent(imageId: string, parent: string): Promise<void> {
    await this.deps.imageStore.images.setParent(imageId, parent);
  }

  async children(parent: string | undefined): Promise<BuildImage[]> {
    const images = this.deps.imageStore.images;
    if (parent === undefined) return (await images.list({ all: true })).filter((r) => r.parent === undefined).map(toBuildImage);
    const out: BuildImage[] = [];
    for (const id of await images.children(parent as ImageRecord['id'])) {
      const r = await images.find(id);
      if (r) out.push(toBuildImage(r));
    }
    return out;
  }

  async runContainer(opts: RunStepOptions<BuildHostConfig>): Promise<{ containerId: string; exitCode: number }> {
    const c = opts.config;
    const svc = this.deps.containers;
    const { Id } = await svc.create({
      Image: opts.imageId ?? '',
      Cmd: c.Cmd ?? null,
      Entrypoint: [''],
      Env: c.Env ?? [],
      WorkingDir: c.WorkingDir ?? '',
      User: c.User ?? '',
      AttachStdout: true,
      AttachStderr: true,
      // moby dispatchRun: withoutHealthcheck(): no probe of the image's HEALTHCHECK runs during a RUN
      Healthcheck: { Test: ['NONE'] },
      HostConfig: {
        ...(opts.resources ?? {}),
        ...(opts.extraHosts?.length ? { ExtraHosts: opts.extraHosts } : {}),
        ...(opts.networkMode ? { NetworkMode: opts.networkMode } : {}),
      },
    } as Parameters<ContainerService['create']>[0], { ...this.createOptions(), ...(opts.imageId === undefined ? { noImage: true } : {}) });
    opts.onCreated(Id);
    const attachment = await svc.attach(Id, { stdout: true, stderr: true, stream: true });
    const sink = new FrameSink(opts.onOutput);
    const attached = attachment.connect(sink).catch(() => undefined);
    const wait = await svc.wait(Id, 'next-exit');
    await svc.start(Id, opts.signal);
    // the client went away (docker build interrupted): stop the step's process
    const onAbort = (): void => void svc.kill(Id, 'SIGKILL').catch(() => undefined);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (opts.signal?.aborted) onAbort();
      const res = await wait.result;
      await attached;
      return { containerId: Id, exitCode: res.StatusCode };
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  async commit(opts: CommitStepOptions): Promise<BuildImage> {
    const upperDir = opts.layerDir ?? (opts.containerId && !opts.emptyLayer ? await this.deps.imageStore.snapshots.upperDir(opts.containerId) : undefined);
    const rec = await this.deps.imageStore.committer.commit({
      ...(opts.parent ? { parent: opts.parent } : {}),
      ...(upperDir ? { upperDir } : {}),
      config: opts.config,
      containerConfig: opts.containerConfig,
      ...(opts.containerId ? { containerId: opts.containerId } : {}),
      createdBy: opts.createdBy,
      dockerVersion: ENGINE_VERSION,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return toBuildImage(rec);
  }

  /** (moby's builder gives metadata steps' containers the build's HostConfig too: its limits are checked at create.) */
  async createContainer(imageId: string | undefined, config: ImageRunConfig, resources?: BuildHostConfig): Promise<string> {
    const { Id } = await this.deps.containers.create({
      Image: imageId ?? '',
      Cmd: config.Cmd ?? null,
      Entrypoint: [''],
      Env: config.Env ?? [],
      WorkingDir: config.WorkingDir ?? '',
      User: config.User ?? '',
      HostConfig: { ...(resources ?? {}) },
    } as Parameters<ContainerService['create']>[0], { ...this.createOptions(), ...(imageId === undefined ? { noImage: true } : {}) });
    return Id;
  }

  /** moby's builder removes its containers with ForceRemove and RemoveVolume: a VOLUME's anonymous volumes go too. */
  async removeContainer(containerId: string): Promise<void> {
    await this.deps.containers.remove(containerId, { force: true, volumes: true });
  }

  /** The mark of the build in progress, written with the container's row (build-containers.ts). */
  private createOptions(): ContainerCreateOptions {
    const build = this.deps.buildContainers?.build();
    return build ? { build } : {};
  }

  /**
   * Mounts the image's layers read-only (overlay with lower dirs only, through the layer store's
   * short links so that many layers fit in a page); a one-layer image is its layer directory.
   */
  async withRootfs<T>(imageId: string, fn: (root: string) => Promise<T>): Promise<T> {
    const img = await this.deps.imageStore.images.get(imageId);
    const layers = this.deps.imageStore.layers;
    if (img.layers.length === 0) {
      const empty = await fs.mkdtemp(path.join(this.deps.tmpDir, 'build-empty-'));
      try {
        return await fn(empty);
      } finally {
        await fs.rm(empty, { recursive: true, force: true });
      }
    }
    if (img.layers.length === 1) return fn(layers.diffDir(img.layers[0]!));
    return this.withOverlay(imageId, undefined, fn);
  }

  /**
   * The image's layers under an overlay mount at a fresh directory: read-only, or with `upper`
   * (and a work dir made next to it) as its upper dir, where what is written through the mount
   * lands (whiteouts for what is removed), as a container's rootfs. A layer given twice is kept
   * once, at its topmost place (overlayfs refuses a lower dir twice; the snapshotter does the same).
   */
  private async withOverlay<T>(imageId: string | undefined, upper: string | undefined, fn: (root: string) => Promise<T>): Promise<T> {
    const layers = this.deps.imageStore.layers;
    const diffIds = imageId === undefined ? [] : (await this.deps.imageStore.images.get(imageId)).layers;
    const seen = new Set<string>();
    const links: string[] = [];
    for (const d of [...diffIds].reverse()) {
      if (seen.has(d)) continue;
      seen.add(d);
      const rec = await layers.get(d);
      if (!rec) throw new InternalError(`image ${imageId}: layer ${d} is missing`);
      links.push(`l/${rec.link}`);
    }
    const made: string[] = [];
    const scratch = async (prefix: string): Promise<string> => {
      const dir = await fs.mkdtemp(path.join(this.deps.tmpDir, prefix));
      made.push(dir);
      return dir;
    };
    let target: string | undefined;
    let mounted = false;
    try {
      // no layers (FROM scratch): an empty lower dir, as the snapshotter's
      if (links.length === 0) links.push(await scratch('build-empty-'));
      const linkDir = diffIds.length > 0 ? path.join(path.dirname(path.dirname(layers.diffDir(diffIds[0]!))), 'l') : this.deps.tmpDir;
      const options = [`lowerdir=${links.join(':')}`];
      if (upper !== undefined) options.push(`upperdir=${upper}`, `workdir=${await scratch('build-work-')}`);
      else options.unshift('ro');
      target = await fs.mkdtemp(path.join(this.deps.tmpDir, 'build-root-'));
      await run('mount', ['-t', 'overlay', 'overlay', '-o', options.join(','), target], { cwd: path.dirname(linkDir) });
      mounted = true;
      try {
        return await fn(target);
      } finally {
        try {
          await run('umount', [target]);
          mounted = false;
        } catch (e) {
          // still mounted: left in tmp/ (unmountLeftovers clears it at the next start); a
          // writable one fails the step: what its upper dir holds is not known to be whole
          if (upper !== undefined) throw new InternalError("build: unmount of the step's root failed", { cause: e, detail: `${target}: ${messageOf(e)}` });
          this.deps.logger.warn({ target, err: messageOf(e) }, 'build: unmount image root');
        }
      }
    } finally {
      // never a recursive removal through a mount: the mount point goes by rmdir only, and
      // nothing goes while the overlay is still mounted (its work and lower dirs are in use)
      if (!mounted) {
        if (target !== undefined) await fs.rmdir(target).catch(() => undefined);
        for (const dir of made.reverse()) await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
      }
    }
  }

  /**
   * ADD of a local archive: untarred into the step's rootfs at `dest` as a root of its own, as
   * moby's chrootarchive.Untar does into the build container's rootfs: the image's files are
   * seen (a tar's `bin/x` goes through the image's `/bin -> usr/bin`; a link the tar makes to
   * `/etc` reaches the image's /etc when the destination is `/`), and what is written lands in
   * `upper` (the step's staging tree) through an overlay of the image, as a container's changes
   * do. Before, it was untarred into the staging tree alone: `bin/x` made a `/bin` directory
   * that hid the image's link.
   */
  async extractArchive(file: string, into: { upper: string; dest: string; imageId?: string }, signal?: AbortSignal): Promise<void> {
    await this.withOverlay(into.imageId, into.upper, async (root) => {
      const view = RootView.open(root);
      try {
        const at = view.resolve(into.dest, { followLast: true });
        try {
          if (at.fd < 0) throw new InternalError(`build: ADD destination ${into.dest}: not staged`);
          await extractIntoDirectory(createReadStream(file), fdPath(at.fd), signal ? { signal } : {});
        } finally {
          at.close();
        }
      } finally {
        view.close();
      }
    });
  }

  /** moby's build Tagger: TagImageWithReference, the daemon's one tag step. */
  async tag(imageId: string, reference: string): Promise<void> {
    await this.deps.tagImage(imageId, reference);
  }
}

const STDERR_START = Buffer.from('\x1b[91m');
const STDERR_END = Buffer.from('\x1b[0m');

/** A write-only Duplex that takes the attach stream's 8-byte-header frames apart. */
class FrameSink extends Duplex {
  private buf = Buffer.alloc(0);

  constructor(private readonly onOutput: (chunk: Buffer) => void) {
    super();
  }

  override _read(): void {
    /* nothing to send: no stdin */
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + len) break;
      const payload = this.buf.subarray(8, 8 + len);
      // docker's build stream: stderr in bright red (streamformatter.NewStderrWriter)
      this.onOutput(this.buf[0] === 2 ? Buffer.concat([STDERR_START, payload, STDERR_END]) : payload);
      this.buf = this.buf.subarray(8 + len);
    }
    cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.push(null);
    cb();
  }
}
