import { InvalidArgumentError, NotFoundError, messageOf, storageFailureOf } from '@berth/errdefs';
import { silentLogger, type Logger } from '@berth/log';
import type { MountDescription } from '@berth/runtime';
import type { DataRoot } from '../layout';
import type { ContainerStateRecord } from './container-record';
import { transition } from './container-state';
import type { ContainerStore } from './container-store';
import type { Entry } from './container-entry';
import type { ContainerEvent, ContainerRuntime, ContainerServiceDeps } from './deps';
import { containerMounts } from './init-layer';
import { ContainerNetworking } from './container-networking';
import { RootfsMounts } from './rootfs-mounts';
import type { ServiceHooks } from './service-hooks';


/**
 * What every part of the container service shares: the in-memory table of containers, the
 * store, the rootfs mounts, the neighbours (deps, hooks) and the primitives every operation is
 * built on (lookup by ref, the per-container lock, state changes, events).
 */
export class ContainerContext {
  readonly entries = new Map<string, Entry>();
  readonly byName = new Map<string, Entry>();
  /** Names taken by creates still in flight: name → id. */
  readonly reserved = new Map<string, string>();
  readonly mounts: RootfsMounts;
  readonly log: Logger;
  readonly layout: DataRoot;
  readonly runtimeName: string;
  readonly now: () => Date;
  /** Set by shutdown: exits of detached tasks are not recorded. */
  closed = false;
  /** Networking of every container (network modes, attach/detach, connect, inspect's view). */
  readonly networking: ContainerNetworking;

  constructor(
    readonly deps: ContainerServiceDeps,
    readonly store: ContainerStore,
    readonly hooks: ServiceHooks,
  ) {
    this.mounts = new RootfsMounts(hooks.mounter);
    this.log = deps.logger ?? silentLogger;
    this.layout = deps.layout;
    this.runtimeName = deps.runtimeName ?? 'runc';
    this.now = deps.now ?? (() => new Date());
    this.networking = new ContainerNetworking(this);
  }

  /** The names HostConfig.Runtime may take: the default first. */
  runtimeNames(): string[] {
    return [this.runtimeName, ...Object.keys(this.deps.runtimes ?? {}).filter((n) => n !== this.runtimeName)];
  }

  /** The runtime a container runs under (HostConfig.Runtime; the default when it names none). */
  runtimeFor(e: Entry): ContainerRuntime {
    const name = e.rec.hostConfig.Runtime;
    return (name && name !== this.runtimeName ? this.deps.runtimes?.[name] : undefined) ?? this.deps.runtime;
  }

  lookup(ref: string): Entry | undefined {
    if (!ref) return undefined;
    const byId = this.entries.get(ref);
    if (byId) return byId;
    const byName = this.byName.get(ref.startsWith('/') ? ref : `/${ref}`);
    if (byName) return byName;
    if (/^[0-9a-f]+$/.test(ref)) {
      const hits = [...this.entries.values()].filter((e) => e.rec.id.startsWith(ref));
      if (hits.length === 1) return hits[0];
      if (hits.length > 1) throw new InvalidArgumentError(`Multiple IDs found with provided prefix: ${ref}`);
    }
    return undefined;
  }

  mustGet(ref: string): Entry {
    const e = this.lookup(ref);
    if (!e) throw new NotFoundError(`No such container: ${ref}`);
    return e;
  }

  rootfsOf(id: string): string {
    return this.layout.containerRootfs(id);
  }

  exclusive<T>(e: Entry, fn: () => Promise<T>): Promise<T> {
    const p = e.lock.then(fn, fn);
    e.lock = p.catch(() => undefined);
    return p;
  }

  /** docker's volume `mount` (at start) / `unmount` (at exit) events, one per volume mount. */
  emitVolumes(e: Entry, action: 'mount' | 'unmount'): void {
    for (const m of e.rec.mounts ?? []) {
      if (m.Type !== 'volume' || !m.Name) continue;
      const attributes: Record<string, string> =
        action === 'mount'
          ? { container: e.rec.id, destination: m.Destination, driver: 'local', propagation: m.Propagation, 'read/write': String(m.RW) }
          : { container: e.rec.id, driver: 'local' };
      try {
        this.deps.onEvent?.({ type: 'volume', action, id: m.Name, from: '', attributes });
      } catch (err) {
        this.log.warn({ err: messageOf(err), action }, 'volume event listener failed');
      }
    }
  }

  emit(e: Entry, action: string, extra: Record<string, string> = {}): void {
    const ev: ContainerEvent = {
      action,
      id: e.rec.id,
      from: e.rec.image,
      attributes: { ...(e.rec.config.Labels ?? {}), image: e.rec.image, name: e.rec.name.replace(/^\//, ''), ...extra },
    };
    try {
      this.deps.onEvent?.(ev);
    } catch (err) {
      this.log.warn({ err: messageOf(err), action }, 'container event listener failed');
    }
  }

  /**
   * The only way state changes: checks the transition, persists, then updates memory. Changes
   * of one container apply one after the other, each on top of the previous one, so that an
   * exit recorded meanwhile is never overwritten by a stale copy. `evenUnsaved`: when the
   * database refuses the row for lack of storage, the change still applies in memory (resolves
   * false).
   */
  setState(e: Entry, patch: Partial<ContainerStateRecord>, opts: { evenUnsaved?: boolean } = {}): Promise<boolean> {
    const apply = async (): Promise<boolean> => {
      let saved = true;
      const cur = e.rec.state;
      if (patch.status !== undefined && patch.status !== cur.status) transition(e.rec.id, cur.status, patch.status);
      const next: ContainerStateRecord = { ...cur, ...patch };
      try {
        await this.store.updateState(e.rec.id, next);
      } catch (err) {
        // A fact (the process is gone; the container is going) holds in memory even when a
        // full or failing disk refuses the row: the container stays manageable, and the next
        // write of its state (or a restore, which finds the process gone) records it.
        if (!opts.evenUnsaved || storageFailureOf(err) === undefined) throw err;
        this.log.error({ id: e.rec.id, status: next.status, err: messageOf(err) }, 'container state kept in memory only: the database refused it');
        saved = false;
      }
      e.rec.state = next;
      return saved;
    };
    const p = e.stateChain.then(apply, apply);
    e.stateChain = p.catch(() => undefined);
    return p;
  }

  /** Mount descriptions by container: a snapshot's layers never change, so they are read once. */
  private readonly mountsCache = new Map<string, Promise<MountDescription[]>>();

  /** The rootfs mounts: the snapshot's overlay with the init layer on top of the image's layers. */
  describeMounts(id: string): Promise<MountDescription[]> {
    const cached = this.mountsCache.get(id);
    if (cached) return cached;
    const p = this.deps.snapshots.mounts(id).then((m) => containerMounts(m, this.layout.containerDir(id)));
    this.mountsCache.set(id, p);
    p.catch(() => {
      if (this.mountsCache.get(id) === p) this.mountsCache.delete(id);
    });
    return p;
  }

  /** The container's snapshot is going: its mount descriptions with it. */
  forgetMounts(id: string): void {
    this.mountsCache.delete(id);
  }
}
