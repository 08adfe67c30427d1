import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { messageOf } from '@berth/errdefs';
import { removeTree } from '@berth/fs';
import type { ContainerContext } from './container-context';
import type { MountVolumes } from './mount-points';

/** The volumes containers use: named ones found or created, anonymous ones made and removed. */
export class ContainerVolumes {
  constructor(private readonly ctx: ContainerContext) {}

  /** The volume side of create (mount-points.ts), emitting docker's `volume create` events. */
  mountVolumes(): MountVolumes {
    const { deps, layout, log } = this.ctx;
    // docker emits `volume create` for volumes a container creates (named on first use, anonymous)
    const created = (name: string): void => {
      try {
        deps.onEvent?.({ type: 'volume', action: 'create', id: name, from: '', attributes: { driver: 'local' } });
      } catch (err) {
        log.warn({ err: messageOf(err) }, 'volume event listener failed');
      }
    };
    return {
      ensure: async (name) => {
        const existed = await fs.stat(path.dirname(layout.volumeData(name))).then(() => true, () => false);
        const p = await this.volumePath(name);
        if (!existed) created(name);
        return p;
      },
      anonymous: async () => {
        let v: { name: string; path: string };
        if (deps.volumes?.create) {
          const r = await deps.volumes.create({ Labels: { 'com.docker.volume.anonymous': '' } });
          v = { name: r.Name, path: r.Mountpoint };
        } else {
          const name = randomBytes(32).toString('hex');
          v = { name, path: await this.volumePath(name) };
        }
        created(v.name);
        return v;
      },
    };
  }

  /** Removes a volume (anonymous ones at rm -v / --rm); a failure is only logged. */
  async removeVolume(name: string): Promise<void> {
    try {
      if (this.ctx.deps.volumes?.remove) await this.ctx.deps.volumes.remove(name, { force: true });
      else await removeTree(path.dirname(this.ctx.layout.volumeData(name))); // by fd past PATH_MAX
    } catch (err) {
      this.ctx.log.warn({ volume: name, err: messageOf(err) }, 'could not remove an anonymous volume');
    }
  }

  /** The host directory of a named volume, created when missing. */
  async volumePath(name: string): Promise<string> {
    if (this.ctx.deps.volumes) return this.ctx.deps.volumes.ensure(name);
    const dir = this.ctx.layout.volumeData(name);
    await fs.mkdir(dir, { recursive: true });
    return dir;
  }
}
