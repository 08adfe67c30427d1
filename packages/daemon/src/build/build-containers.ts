import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isNotFound, messageOf } from '@berth/errdefs';
import type { Logger } from '@berth/log';

/**
 * The intermediate containers of the builds in progress, on disk so that a crash cannot hide
 * them: one directory per build (`build-containers/<build>/`) holding an empty file per
 * container the builder made. A build that ends (well or not) drops its directory, the
 * containers the builder kept (a failed RUN without --force-rm, as docker) staying as they are;
 * what a killed daemon leaves listed is removed at the next start (`sweep`).
 */
export class BuildContainers {
  private readonly current = new AsyncLocalStorage<string>();

  constructor(private readonly dir: string) {}

  /** Runs one build; the containers made meanwhile (add) are listed under it until it ends. */
  async track<T>(build: () => Promise<T>): Promise<T> {
    const session = path.join(this.dir, randomBytes(8).toString('hex'));
    await fs.mkdir(session, { recursive: true });
    try {
      return await this.current.run(session, build);
    } finally {
      await fs.rm(session, { recursive: true, force: true });
    }
  }

  async add(id: string): Promise<void> {
    const session = this.current.getStore();
    if (session) await fs.writeFile(path.join(session, id), '');
  }

  async forget(id: string): Promise<void> {
    const session = this.current.getStore();
    if (session) await fs.rm(path.join(session, id), { force: true });
  }

  /** At start, once the containers are restored: force-removes every container a cut build left. */
  async sweep(remove: (id: string) => Promise<void>, logger: Logger): Promise<void> {
    for (const build of await fs.readdir(this.dir).catch(() => [] as string[])) {
      const session = path.join(this.dir, build);
      for (const id of await fs.readdir(session).catch(() => [] as string[])) {
        try {
          await remove(id);
          logger.info({ id }, 'removed an intermediate container of a build cut by a crash');
        } catch (err) {
          if (!isNotFound(err)) logger.warn({ id, err: messageOf(err) }, 'removing a build container left by a crash failed');
        }
      }
      await fs.rm(session, { recursive: true, force: true });
    }
  }
}
