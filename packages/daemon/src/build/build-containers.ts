import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { isNotFound, messageOf } from '@berth/errdefs';
import type { Logger } from '@berth/log';
import type { ContainerService } from '../containers';

/**
 * The intermediate containers of the builds in progress. Each build gets an id; the containers
 * the builder makes meanwhile carry it in their own row (`CreateOptions.build`, written in the
 * create's transaction), so that no crash can leave one unmarked. A build that ends (well or
 * not) unmarks the containers the builder kept (a failed RUN without --force-rm, as docker);
 * what a killed daemon leaves marked is force-removed at the next start (`sweep`).
 */
export class BuildContainers {
  private readonly current = new AsyncLocalStorage<string>();

  constructor(private readonly containers: Pick<ContainerService, 'buildLeftovers' | 'endBuild' | 'remove'>) {}

  /** Runs one build; the containers made meanwhile (with `build()` as CreateOptions.build) are marked until it ends. */
  async track<T>(run: () => Promise<T>): Promise<T> {
    const build = randomBytes(8).toString('hex');
    try {
      return await this.current.run(build, run);
    } finally {
      await this.containers.endBuild(build);
    }
  }

  /** The build in progress in this async context (undefined outside `track`). */
  build(): string | undefined {
    return this.current.getStore();
  }

  /** At start, once the containers are restored: force-removes every container a cut build left. */
  async sweep(logger: Logger): Promise<void> {
    for (const id of this.containers.buildLeftovers()) {
      try {
        await this.containers.remove(id, { force: true });
        logger.info({ id }, 'removed an intermediate container of a build cut by a crash');
      } catch (err) {
        if (!isNotFound(err)) logger.warn({ id, err: messageOf(err) }, 'removing a build container left by a crash failed');
      }
    }
  }
}
