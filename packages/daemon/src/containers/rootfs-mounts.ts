import type { MountDescription } from '@berth/runtime';

export interface Mounter {
  mount(mounts: MountDescription[], target: string): Promise<void>;
  unmount(target: string): Promise<void>;
  /**
   * Unmounts at once, the kernel's teardown (overlayfs syncs the upper dir's file system) left to
   * `released` (runtime's detachRootfs). Optional: unmount() is used without it.
   */
  detach?(target: string): Promise<{ released: Promise<void> }>;
}

/**
 * Reference-counted rootfs mounts: the running task holds one reference, an export or a cp of a
 * stopped container another; the first acquire mounts, the last release unmounts. Calls for one
 * container are serialised so that a mount and an unmount never race.
 */
export class RootfsMounts {
  private readonly refs = new Map<string, number>();
  private readonly chains = new Map<string, Promise<unknown>>();
  /** Detached mounts still being torn down by the kernel, by container. */
  private readonly tearing = new Map<string, Promise<void>>();

  constructor(private readonly mounter: Mounter) {}

  private serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(id) ?? Promise.resolve();
    const p = prev.then(fn, fn);
    const tail = p.catch(() => undefined);
    this.chains.set(id, tail);
    void tail.then(() => {
      if (this.chains.get(id) === tail) this.chains.delete(id);
    });
    return p;
  }

  /** Mounts (when first) `target` from `describe()`; the caller must release() once. */
  acquire(id: string, target: string, describe: () => Promise<MountDescription[]>): Promise<void> {
    return this.serial(id, async () => {
      const n = this.refs.get(id) ?? 0;
      if (n === 0) {
        // overlayfs refuses upper/work dirs a previous mount still holds
        await this.tearing.get(id);
        await this.mounter.mount(await describe(), target);
      }
      this.refs.set(id, n + 1);
    });
  }

  /** Settles once no detached mount of the container is being torn down any more. */
  settled(id: string): Promise<void> {
    return this.tearing.get(id) ?? Promise.resolve();
  }

  private async unmountNow(id: string, target: string): Promise<void> {
    if (!this.mounter.detach) {
      await this.mounter.unmount(target);
      return;
    }
    const { released } = await this.mounter.detach(target);
    const prev = this.tearing.get(id);
    const all = prev ? Promise.all([prev, released]).then(() => undefined) : released;
    this.tearing.set(id, all);
    void all.then(() => {
      if (this.tearing.get(id) === all) this.tearing.delete(id);
    });
  }

  /** Drops one reference; unmounts with the last. */
  release(id: string, target: string): Promise<void> {
    return this.serial(id, async () => {
      const n = this.refs.get(id) ?? 0;
      if (n <= 1) {
        this.refs.delete(id);
        await this.unmountNow(id, target);
      } else {
        this.refs.set(id, n - 1);
      }
    });
  }

  /** Unmounts whatever is there, whatever the count (restore of a dead container, removal). */
  forceUnmount(id: string, target: string): Promise<void> {
    return this.serial(id, async () => {
      this.refs.delete(id);
      await this.mounter.unmount(target);
    });
  }

  /** Takes over a mount made before a daemon restart (a live task holds it): one reference, no mount call. */
  adopt(id: string): void {
    this.refs.set(id, (this.refs.get(id) ?? 0) + 1);
  }

  count(id: string): number {
    return this.refs.get(id) ?? 0;
  }
}
