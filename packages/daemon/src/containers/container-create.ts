import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { ContainerCreateRequest, ContainerCreateResponse } from '@berth/api';
import { InvalidArgumentError, NotFoundError, isNotFound } from '@berth/errdefs';
import { localContainerFiles } from '@berth/network';
import { isDigest, parseReference } from '@berth/oci';
import type { ContainerContext } from './container-context';
import { newEntry } from './container-entry';
import { normalizeContainerName, randomContainerName } from './container-names';
import type { ContainerRecord } from './container-record';
import { createdState } from './container-record';
import type { CreateOptions } from './container-service';
import { nameConflict, type StoredContainer } from './container-store';
import type { ContainerVolumes } from './container-volumes';
import { createInitLayer } from './init-layer';
import { mergeImageConfig, processOf } from './merge-image-config';
import { configVolumeTargets, refuseVolumeOverFile, resolveMounts } from './mount-points';
import { rfc3339Nano } from './timestamps';
import { validateCreate } from './validate-create';
import { cleanWorkingDir, createWorkingDir } from './working-dir';

/** A new container ID: 64 hex whose 12-char short form is not all digits (docker's rule). */
function newContainerId(): string {
  for (;;) {
    const id = randomBytes(32).toString('hex');
    if (!/^\d+$/.test(id.slice(0, 12))) return id;
  }
}

function hostPlatformOk(platform: string): boolean {
  const [os, arch] = platform.split('/');
  const hostArch = process.arch === 'x64' ? 'amd64' : process.arch;
  return os === 'linux' && (arch === undefined || arch === '' || arch === hostArch);
}

/**
 * `docker create`: validates the body, merges the image's config, prepares the snapshot, the
 * init layer, the container's files and its mounts, then writes the row; undone on failure.
 */
export class ContainerCreator {
  constructor(
    private readonly ctx: ContainerContext,
    private readonly volumes: ContainerVolumes,
  ) {}

  async create(body: ContainerCreateRequest, opts: CreateOptions = {}): Promise<ContainerCreateResponse> {
    const ctx = this.ctx;
    const t0 = process.hrtime.bigint();
    const ms = (): number => Number(process.hrtime.bigint() - t0) / 1e6;
    const times: Record<string, number> = {};
    const v = validateCreate(body, ctx.runtimeNames(), { multipleNetworks: opts.multipleNetworks === true, noImage: opts.noImage === true });
    if (opts.platform && !hostPlatformOk(opts.platform)) {
      throw new InvalidArgumentError(`platform "${opts.platform}": not supported by this daemon (linux only)`);
    }
    let name: string;
    if (opts.name) {
      name = normalizeContainerName(opts.name);
      const holder = ctx.byName.get(name)?.rec.id ?? ctx.reserved.get(name);
      if (holder) throw nameConflict(name, holder);
    } else {
      let i = 0;
      do name = `/${randomContainerName(i++ > 10 ? 1 : 0)}`;
      while (ctx.byName.has(name) || ctx.reserved.has(name));
    }
    // the name is held from here, before the first await: two creates at once (a random name
    // picked twice, or the same --name) never both get past the check above
    const id = newContainerId();
    ctx.reserved.set(name, id);
    try {
      return await this.createNamed(v, opts, name, id, ms, times);
    } finally {
      ctx.reserved.delete(name);
    }
  }

  private async createNamed(
    v: ReturnType<typeof validateCreate>,
    opts: CreateOptions,
    name: string,
    id: string,
    ms: () => number,
    times: Record<string, number>,
  ): Promise<ContainerCreateResponse> {
    const ctx = this.ctx;
    // docker stores links as /child:/parent/alias; the child must exist (400, not 404: a 404
    // would send the CLI pulling the image, moby#39823)
    if (v.hostConfig.Links) {
      v.hostConfig.Links = v.hostConfig.Links.map((l) => {
        const [child, alias = child] = l.split(':') as [string, string?];
        const c = ctx.lookup(child.replace(/^\//, ''));
        if (!c) throw new InvalidArgumentError(`could not get container for ${child}: No such container: ${child}`);
        return `${c.rec.name}:${name}/${alias!.replace(/^.*\//, '')}`;
      });
    }
    const imageRef = v.config.Image!;
    let image: Awaited<ReturnType<typeof ctx.deps.images.get>> | undefined;
    if (imageRef !== '') {
      if (!isDigest(imageRef)) parseReference(imageRef); // a malformed name is docker's 400 "invalid reference format"
      try {
        image = await ctx.deps.images.get(imageRef);
      } catch (err) {
        if (isNotFound(err)) throw new NotFoundError(`No such image: ${v.config.Image}`, { cause: err });
        throw err;
      }
    }
    times.image = ms();
    const config = mergeImageConfig(v.config, image?.config.config);
    config.WorkingDir = cleanWorkingDir(config.WorkingDir);
    const proc = processOf(config);
    if (!config.Hostname) config.Hostname = id.slice(0, 12);
    const dir = ctx.layout.containerDir(id);
    let stored: StoredContainer;
    const anonymous: string[] = [];
    try {
      await fs.mkdir(dir, { recursive: true, mode: 0o710 });
      // independent steps, each in its own part of the directory: all at once; none is still
      // running when the cleanup below starts
      const stamp = <T>(k: string, p: Promise<T>): Promise<T> => p.finally(() => (times[k] = ms()));
      const steps = await Promise.allSettled([
        fs.mkdir(ctx.rootfsOf(id), { recursive: true }),
        stamp('snapshot', ctx.deps.snapshots.prepare(id, image?.id, dir)),
        stamp('initLayer', createInitLayer(dir)),
        stamp('hostFiles', this.writeLocalFiles(dir, config.Hostname, config.Domainname || undefined, v.hostConfig.NetworkMode, v.hostConfig.ExtraHosts ?? undefined)),
      ]);
      for (const r of steps) if (r.status === 'rejected') throw r.reason;
      times.files = ms();
      const mounts = await resolveMounts({ config, hostConfig: v.hostConfig }, this.volumes.mountVolumes(), (ref) => ctx.mustGet(ref).rec.mounts ?? [], anonymous);
      await this.prepareRootfs(id, config.WorkingDir, configVolumeTargets(config, mounts));
      times.rootfs = ms();
      const rec: ContainerRecord = {
        mounts,
        id,
        name,
        image: v.config.Image!,
        imageId: image?.id ?? '',
        config,
        hostConfig: v.hostConfig,
        networkingConfig: v.networkingConfig,
        path: proc.path,
        args: proc.args,
        created: rfc3339Nano(ctx.now()),
        state: createdState(),
        ...(opts.build ? { build: opts.build } : {}),
        ...(opts.apiVersion ? { apiVersion: opts.apiVersion } : {}),
      };
      stored = await ctx.store.insert(rec);
    } catch (err) {
      await ctx.mounts.settled(id); // the kernel is done with the snapshot's upper dir
      await ctx.deps.snapshots.remove(id).catch(() => undefined);
      await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
      for (const n of anonymous) await this.volumes.removeVolume(n);
      throw err;
    }
    const e = newEntry(stored);
    ctx.entries.set(id, e);
    ctx.byName.set(name, e);
    ctx.emit(e, 'create');
    ctx.log.debug({ id, ...times, created: ms() }, 'container created');
    return { Id: id, Warnings: v.warnings };
  }

  /**
   * What Docker does at create in the container's mounted rootfs (createContainerOSSpecificSettings):
   * the working directory made (SetupWorkingDirectory: `docker diff` of a created container shows
   * it, `-w /etc/passwd` refused here), then no anonymous volume of `Config.Volumes` over a file.
   * Not mounted when there is nothing to do (no working directory but `/`, no such volume).
   */
  private async prepareRootfs(id: string, workingDir: string, volumeTargets: readonly string[]): Promise<void> {
    if ((!workingDir || workingDir === '/') && volumeTargets.length === 0) return;
    const ctx = this.ctx;
    const rootfs = ctx.rootfsOf(id);
    await ctx.mounts.acquire(id, rootfs, () => ctx.describeMounts(id));
    try {
      createWorkingDir(rootfs, workingDir);
      refuseVolumeOverFile(rootfs, volumeTargets);
    } finally {
      await ctx.mounts.release(id, rootfs);
    }
  }

  /**
   * hostname, hosts and resolv.conf as a container has them before any network attaches:
   * @berth/network's content for host and none, and for the other modes until their start
   * (berthd `--bridge none` keeps it).
   */
  private async writeLocalFiles(dir: string, hostname: string, domainname: string | undefined, networkMode: string | undefined, extraHosts: string[] | undefined): Promise<void> {
    const mode = networkMode === 'host' || networkMode === 'none' ? networkMode : 'default';
    const files = await localContainerFiles(mode, { hostname, domainname, extraHosts });
    await this.ctx.hooks.writeContainerFiles(dir, { hostname, ...files });
  }
}
