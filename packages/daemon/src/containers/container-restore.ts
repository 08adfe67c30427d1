import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { messageOf } from '@berth/errdefs';
import { exitFilePath, isMountPoint, OciRuntime, removeBundle, removeShimFiles, shimSocketPath, type ExitStatus, type Task } from '@berth/runtime';
import type { ContainerContext } from './container-context';
import { newEntry, type Entry } from './container-entry';
import type { ContainerExecs } from './container-exec';
import type { ContainerHealth } from './container-health';
import { ZERO_TIME } from './container-record';
import { commitPauseMarker } from './container-commit';
import type { ContainerRemoval } from './container-removal';
import type { ContainerSupervisor } from './container-supervisor';
import { rfc3339Nano } from './timestamps';
import { within } from './within';

const exists = (p: string): Promise<boolean> => fs.stat(p).then(() => true, () => false);

/** What berth-shim writes in its cwd (the bundle, for a berthd from before the exec root). */

/**
 * Daemon start and stop: every row is loaded and settled truthfully (live tasks supervised
 * again, dead ones recorded, restart policies applied); at stop, live tasks are detached.
 */
export class ContainerRestore {
  constructor(
    private readonly ctx: ContainerContext,
    private readonly supervisor: ContainerSupervisor,
    private readonly health: ContainerHealth,
    private readonly removal: ContainerRemoval,
    private readonly execs: ContainerExecs,
  ) {}

  async restore(): Promise<void> {
    const ctx = this.ctx;
    const recs = await ctx.store.loadAll();
    for (const rec of recs) {
      const e = newEntry(rec);
      ctx.entries.set(rec.id, e);
      ctx.byName.set(rec.name, e);
    }
    await this.removeUnrecorded();
    // the network component keeps the wiring of containers recorded as running and reclaims
    // the rest (a crash leaves veths, netns files and port rules); one found dead below is
    // detached there
    await ctx.networking
      .restore(recs.filter((r) => r.state.status === 'running' || r.state.status === 'paused'))
      .catch((err) => ctx.log.error({ err: messageOf(err) }, 'restoring the networks failed'));
    await Promise.all(
      [...ctx.entries.values()].map((e) =>
        this.restoreOne(e).catch((err) => ctx.log.error({ id: e.rec.id, err: messageOf(err) }, 'restoring container failed')),
      ),
    );
  }

  /**
   * A create cut by a crash (kill -9 between the container's directory and its record) leaves a
   * `containers/<id>/` nothing refers to (no `ps -a` row, nothing to `rm`): removed here, with its
   * snapshot. One whose rootfs is still mounted is left, with a warning (removeBundle never
   * empties a mount).
   */
  private async removeUnrecorded(): Promise<void> {
    const ctx = this.ctx;
    const names = await fs.readdir(ctx.layout.containersDir).catch(() => [] as string[]);
    for (const id of names) {
      if (!/^[0-9a-f]{64}$/.test(id) || ctx.entries.has(id)) continue;
      try {
        if (await isMountPoint(ctx.rootfsOf(id)).catch(() => false)) throw new Error('its rootfs is still mounted');
        await ctx.deps.snapshots.remove(id).catch(() => undefined);
        await removeBundle(ctx.layout.containerDir(id));
        ctx.log.info({ id }, 'removed the directory of a container without a record (a create cut by a crash)');
      } catch (err) {
        ctx.log.warn({ id, err: messageOf(err) }, 'a container directory without a record is left');
      }
    }
  }

  private async restoreOne(e: Entry): Promise<void> {
    const ctx = this.ctx;
    const id = e.rec.id;
    const dir = ctx.layout.containerDir(id);
    const rootfs = ctx.rootfsOf(id);
    const status = e.rec.state.status;
    if (status === 'removing') {
      await this.removal.destroy(e);
      return;
    }
    if (status === 'running' || status === 'paused' || status === 'restarting') {
      let r: Task | ExitStatus;
      try {
        const shimDir = await this.shimDirOf(e);
        r = await ctx.runtimeFor(e).reconnect(id, shimDir);
        if (shimDir !== ctx.layout.containerStateDir(id) && !('exitCode' in r)) r = await this.stopOldLayout(e, r);
        // settled: the old shim's files in the bundle would be taken for a later exit (after a reboot)
        await this.dropLegacyShimFiles(id);
      } catch (err) {
        ctx.log.warn({ id, err: messageOf(err) }, 'reconnect failed; recording the container as exited');
        r = { exitCode: 255, finishedAt: rfc3339Nano(ctx.now()), oomKilled: false };
      }
      if ('exitCode' in r) {
        await ctx.networking.release(id);
        await ctx.mounts.forceUnmount(id, rootfs).catch((err) => ctx.log.warn({ id, err: messageOf(err) }, 'unmount on restore'));
        await ctx.runtimeFor(e).delete(id).catch(() => undefined);
        await ctx.setState(e, {
          status: 'exited',
          pid: 0,
          exitCode: status === 'restarting' ? e.rec.state.exitCode : r.exitCode,
          finishedAt: status === 'restarting' ? e.rec.state.finishedAt : r.finishedAt || rfc3339Nano(ctx.now()),
          oomKilled: r.oomKilled,
        }, { evenUnsaved: true });
        if (e.rec.hostConfig.AutoRemove) {
          await this.removal.destroy(e);
          return;
        }
        if (this.supervisor.shouldRestart(e.rec, e.rec.state.exitCode)) {
          await ctx.setState(e, { status: 'restarting' });
          await ctx.exclusive(e, () => this.supervisor.startLocked(e, true)).catch((err) =>
            ctx.log.warn({ id, err: messageOf(err) }, 'restart on restore failed'),
          );
        }
        return;
      }
      const task = r;
      e.task = task;
      e.hub.bind(task);
      ctx.mounts.adopt(id);
      if (task.pid !== e.rec.state.pid) await ctx.setState(e, { pid: task.pid });
      // a commit in progress when the daemon died paused it: that pause is undone (whatever the
      // row says: a full disk may have refused the row's `paused`, not the runtime's freeze); the
      // status is then the runtime's, as for every restored container (next step), or `running`
      // after a resume that worked when the runtime cannot tell its state
      const marker = commitPauseMarker(dir);
      let resumed = false;
      if (await fs.stat(marker).then(() => true, () => false)) {
        resumed = await ctx.runtimeFor(e).resume(id).then(
          () => true,
          (err) => {
            ctx.log.debug({ id, err: messageOf(err) }, 'unpause after a cut commit');
            return false;
          },
        );
        await fs.rm(marker, { force: true });
      }
      const known = await this.pausedAsTheRuntimeSays(e);
      if (!known && resumed && e.rec.state.status === 'paused') await ctx.setState(e, { status: 'running' }, { evenUnsaved: true });
      this.supervisor.supervise(e, task, Date.parse(e.rec.state.startedAt) || Date.now());
      this.health.start(e, true);
      return;
    }
    // created, exited, dead: no process may remain, no mount either.
    const shimDir = await this.shimDirOf(e);
    if (await exists(shimSocketPath(shimDir))) {
      const r = await ctx.runtimeFor(e).reconnect(id, shimDir).catch(() => undefined);
      if (r && !('exitCode' in r)) {
        if (shimDir !== ctx.layout.containerStateDir(id)) await this.resumeOldLayout(e);
        await r.kill('KILL').catch(() => undefined);
        await within(r.wait(), 5000);
      }
      await ctx.runtimeFor(e).delete(id).catch(() => undefined);
    }
    await this.dropLegacyShimFiles(id);
    await ctx.mounts.forceUnmount(id, rootfs).catch((err) => ctx.log.warn({ id, err: messageOf(err) }, 'unmount on restore'));
    // docker: on daemon start `always` comes back even after a manual stop, `unless-stopped` only if not stopped by hand.
    const policy = e.rec.hostConfig.RestartPolicy?.Name;
    if (
      status === 'exited' &&
      e.rec.state.startedAt !== ZERO_TIME &&
      !e.rec.hostConfig.AutoRemove &&
      (policy === 'always' || (policy === 'unless-stopped' && !e.rec.state.manuallyStopped))
    ) {
      await ctx.exclusive(e, () => this.supervisor.startLocked(e, false)).catch((err) =>
        ctx.log.warn({ id, err: messageOf(err) }, 'restart policy: start on daemon start failed'),
      );
    }
  }

  /**
   * Where the container's shim keeps its files: its state dir on the exec root; the bundle when
   * that has them and the state dir not (a berthd from before the exec root started it). An
   * exit.json in the bundle older than the container's last start is an old shim's, left by a
   * berthd that did not drop it (the container ran again since): not this start's exit.
   */
  private async shimDirOf(e: Entry): Promise<string> {
    const state = this.ctx.layout.containerStateDir(e.rec.id);
    const bundle = this.ctx.layout.containerDir(e.rec.id);
    if (state === bundle) return state;
    const started = Date.parse(e.rec.state.startedAt) || 0;
    const has = async (dir: string, since: number): Promise<boolean> =>
      (await exists(shimSocketPath(dir))) || (await fs.stat(exitFilePath(dir)).then((st) => st.mtimeMs >= since, () => false));
    return !(await has(state, 0)) && (await has(bundle, started)) ? bundle : state;
  }

  /**
   * The files an old shim left in the bundle (--exec-root elsewhere now), once its task is
   * settled: its exit.json would otherwise be read as the container's exit whenever the state
   * dir is empty (after a reboot), though the container ran again since.
   */
  private async dropLegacyShimFiles(id: string): Promise<void> {
    const bundle = this.ctx.layout.containerDir(id);
    if (bundle === this.ctx.layout.containerStateDir(id)) return;
    await removeShimFiles(bundle);
  }

  /**
   * A paused container of the old layout is thawed through its runtime's old state dir
   * (`<data root>/runtime/<name>`, where this daemon's runtime does not look): a container in a
   * frozen cgroup v1 freezer ignores SIGKILL until thawed. Errors (not paused, gone) are no matter.
   */
  private async resumeOldLayout(e: Entry): Promise<void> {
    const ctx = this.ctx;
    for (const name of ['runc', 'crun'] as const) {
      const stateRoot = path.join(ctx.layout.legacyRuntimeStateDir, name);
      if (!(await exists(path.join(stateRoot, e.rec.id)))) continue;
      const old = new OciRuntime({ name, stateRoot, seccompCacheDir: ctx.layout.seccompCacheDir, logger: ctx.log });
      await old.resume(e.rec.id).catch((err) => ctx.log.debug({ id: e.rec.id, err: messageOf(err) }, 'resume through the old runtime state'));
    }
  }

  /**
   * A container a berthd from before the exec root started (its shim's files in the bundle, its
   * runtime state under `<data root>/runtime`): this daemon's runtime commands (exec, pause, top,
   * update) cannot reach it there, so it is stopped now, through its shim (which deletes its
   * runtime state and exits), and recorded exited, as after a reboot; a start runs it anew.
   */
  private async stopOldLayout(e: Entry, task: Task): Promise<ExitStatus> {
    this.ctx.log.warn({ id: e.rec.id }, 'a container started with the runtime state on the data root (berthd before --exec-root): stopping it');
    await this.resumeOldLayout(e);
    await task.kill('KILL').catch(() => undefined);
    let exit: ExitStatus | undefined;
    await within(task.wait().then((s) => (exit = s)), 10_000);
    task.detach();
    return exit ?? { exitCode: 137, finishedAt: rfc3339Nano(this.ctx.now()), oomKilled: false };
  }

  /**
   * The runtime's state is the fact, not the row (docker asks containerd for a restored
   * container's status): a pause whose row a full disk refused comes back `paused`, a row's
   * `paused` the runtime no longer has comes back `running`. False when the runtime could not say.
   */
  private async pausedAsTheRuntimeSays(e: Entry): Promise<boolean> {
    const ctx = this.ctx;
    const rt = ctx.runtimeFor(e);
    if (!rt.state) return false;
    const s = await rt.state(e.rec.id).catch((err) => {
      ctx.log.warn({ id: e.rec.id, err: messageOf(err) }, 'runtime state on restore');
      return undefined;
    });
    const recorded = e.rec.state.status;
    if (s?.status === 'paused' && recorded === 'running') await ctx.setState(e, { status: 'paused' }, { evenUnsaved: true });
    else if (s?.status === 'running' && recorded === 'paused') await ctx.setState(e, { status: 'running' }, { evenUnsaved: true });
    return s !== undefined;
  }

  async shutdown(): Promise<void> {
    const ctx = this.ctx;
    ctx.closed = true;
    this.execs.detachAll();
    for (const e of ctx.entries.values()) {
      e.health?.stop();
      if (e.restartTimer) clearTimeout(e.restartTimer);
      e.restartTimer = undefined;
      if (e.task) {
        e.hub.endAll();
        e.task.detach();
      }
    }
  }
}
