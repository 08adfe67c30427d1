import type { MountDescription } from '@berth/runtime';

export interface Mounter {
  mount(mounts: MountDescription[], target: string): Promise<void>;
  unmount(target: string): Promise<void>;
}

/**
 * Reference-counted rootfs mounts: the running task holds one reference, an export or a cp of a
 * stopped container another; the first acquire mounts, the last release unmounts. Calls for one
 * container are serialised so that a mount and an unmount never race.
 */
export class RootfsMounts {
  private readonly refs = new Map<string, number>();
  private readonly chains = new Map<string, Promise<unknown>>();

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
      if (n === 0) await this.mounter.mount(await describe(), target);
      this.refs.set(id, n + 1);
    });
  }

  /** Drops one reference; unmounts with the last. */
  release(id: string, target: string): Promise<void> {
    return this.serial(id, async () => {
      const n = this.refs.get(id) ?? 0;
      if (n <= 1) {
        this.refs.delete(id);
        await this.mounter.unmount(target);
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
