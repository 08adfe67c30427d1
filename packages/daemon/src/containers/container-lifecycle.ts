import type { ContainerPruneReport, Filters } from '@berth/api';
import { ConflictError, InternalError, InvalidArgumentError, NotFoundError, messageOf } from '@berth/errdefs';
import { parseSignal } from '@berth/runtime';
import type { ContainerContext } from './container-context';
import { isActive, type Entry } from './container-entry';
import { compilePruneFilters } from './container-filters';
import { normalizeContainerName } from './container-names';
import type { ContainerRemoval } from './container-removal';
import type { RemoveOptions, StopOptions, WaitCondition, WaitHandle } from './container-service';
import { checkCanKill, checkCanPause, checkCanRemove, checkCanRename, checkCanUnpause } from './container-state';
import { nameConflict } from './container-store';
import type { ContainerSupervisor } from './container-supervisor';
import { waitFor } from './container-waiters';
import { parseTimeArg } from './timestamps';
import { within } from './within';

/** The lifecycle operations of the API: start, stop, kill, restart, wait, pause, rm, prune, rename. */
export class ContainerLifecycle {
  constructor(
    private readonly ctx: ContainerContext,
    private readonly supervisor: ContainerSupervisor,
    private readonly removal: ContainerRemoval,
  ) {}

  async start(ref: string, signal?: AbortSignal): Promise<void> {
    const e = this.ctx.mustGet(ref);
    await this.ctx.exclusive(e, () => this.supervisor.startLocked(e, false, signal));
  }

  async stop(ref: string, opts: StopOptions = {}): Promise<void> {
    const e = this.ctx.mustGet(ref);
    await this.supervisor.stopEntry(e, opts);
    this.ctx.emit(e, 'stop');
  }

  async kill(ref: string, signal?: string): Promise<void> {
    const e = this.ctx.mustGet(ref);
    checkCanKill(ref, e.rec.id, e.rec.state.status);
    let signo: number;
    try {
      signo = parseSignal(signal === undefined || signal === '' ? 'KILL' : signal);
    } catch {
      throw new InvalidArgumentError(`Invalid signal: ${signal}`);
    }
    const task = e.task;
    if (!task) throw new ConflictError(`Cannot kill container: ${ref}: Container ${e.rec.id} is not running`);
    let stopSig = 15;
    try {
      stopSig = parseSignal(e.rec.config.StopSignal || 'SIGTERM');
    } catch {
      // validated at create
    }
    if (signo === 9 || signo === stopSig) await this.ctx.setState(e, { manuallyStopped: true }, { evenUnsaved: true });
    e.hub.release();
    await task.kill(signo);
    this.ctx.emit(e, 'kill', { signal: String(signo) });
    if (signo === 9) await within(e.exitHandled, 10_000);
  }

  /**
   * Restarts of one container run one after the other (a quick second `restart` waits for the
   * first instead of racing its start); a start that finds the container running is a no-op, as
   * docker's containerStart with resetRestartManager.
   */
  async restart(ref: string, opts: StopOptions = {}): Promise<void> {
    const e = this.ctx.mustGet(ref);
    const previous = this.restarts.get(e) ?? Promise.resolve();
    const mine = previous.then(() => this.restartNow(e, ref, opts));
    const settled = mine.catch(() => undefined);
    this.restarts.set(e, settled);
    void settled.then(() => {
      if (this.restarts.get(e) === settled) this.restarts.delete(e);
    });
    await mine;
  }

  private readonly restarts = new WeakMap<Entry, Promise<void>>();

  private async restartNow(e: Entry, ref: string, opts: StopOptions): Promise<void> {
    if (isActive(e.rec.state.status)) {
      await this.supervisor.stopEntry(e, opts);
      this.ctx.emit(e, 'stop');
    }
    if (this.ctx.entries.get(e.rec.id) !== e) throw new NotFoundError(`No such container: ${ref}`);
    await this.ctx.exclusive(e, async () => {
      if (e.rec.state.status === 'running' && e.task) return;
      await this.supervisor.startLocked(e, false);
    });
    this.ctx.emit(e, 'restart');
  }

  async wait(ref: string, condition?: WaitCondition | string, signal?: AbortSignal): Promise<WaitHandle> {
    return waitFor(this.ctx.mustGet(ref), condition, signal);
  }

  async pause(ref: string): Promise<void> {
    const e = this.ctx.mustGet(ref);
    await this.ctx.exclusive(e, async () => {
      checkCanPause(e.rec.id, e.rec.state.status);
      await this.ctx.runtimeFor(e).pause(e.rec.id);
      // the runtime's pause is the fact: a full disk refusing the row must not hide it (a
      // commit would then never unpause); docker (daemon/pause.go) only warns when it cannot save
      await this.ctx.setState(e, { status: 'paused' }, { evenUnsaved: true });
    });
    this.ctx.emit(e, 'pause');
  }

  async unpause(ref: string): Promise<void> {
    const e = this.ctx.mustGet(ref);
    await this.ctx.exclusive(e, async () => {
      checkCanUnpause(e.rec.id, e.rec.state.status);
      await this.ctx.runtimeFor(e).resume(e.rec.id);
      await this.ctx.setState(e, { status: 'running' }, { evenUnsaved: true });
    });
    this.ctx.emit(e, 'unpause');
  }

  async remove(ref: string, opts: RemoveOptions = {}): Promise<void> {
    const e = this.ctx.mustGet(ref);
    if (opts.link) throw new InvalidArgumentError('Conflict, cannot remove the default link name of the container');
    await this.ctx.exclusive(e, async () => {
      if (e.removal) throw new ConflictError(`removal of container ${e.rec.id} is already in progress`);
      checkCanRemove(e.rec.id, e.rec.state.status, Boolean(opts.force));
      if (isActive(e.rec.state.status)) {
        e.doomed = true;
        if (e.restartTimer) clearTimeout(e.restartTimer);
        e.restartTimer = undefined;
        const task = e.task;
        if (e.rec.state.status === 'paused') await this.ctx.runtimeFor(e).resume(e.rec.id).catch(() => undefined);
        e.hub.release();
        if (task) {
          await task.kill('KILL').catch(() => undefined);
          this.ctx.emit(e, 'kill', { signal: '9' });
          if (!(await within(e.exitHandled, 30_000))) {
            e.doomed = false;
            throw new InternalError(`Could not kill running container ${e.rec.id}, cannot remove`);
          }
        } else if (e.rec.state.status === 'restarting') {
          await this.ctx.setState(e, { status: 'exited' });
        }
      }
      await this.removal.destroy(e, Boolean(opts.volumes));
    });
  }

  async prune(filters: Filters = new Map()): Promise<ContainerPruneReport> {
    const ctx = this.ctx;
    const match = compilePruneFilters(filters, ctx.now(), (v, now) => parseTimeArg(v, now));
    const deleted: string[] = [];
    let space = 0;
    for (const e of [...ctx.entries.values()]) {
      const s = e.rec.state.status;
      if (!(s === 'created' || s === 'exited' || s === 'dead') || e.doomed || !match(e.rec)) continue;
      const size = await ctx.deps.snapshots.usage(e.rec.id).then((u) => u.size).catch(() => 0);
      try {
        await this.remove(e.rec.id);
      } catch (err) {
        ctx.log.warn({ id: e.rec.id, err: messageOf(err) }, 'prune: could not remove container');
        continue;
      }
      deleted.push(e.rec.id);
      space += size;
    }
    return { ContainersDeleted: deleted.length ? deleted : null, SpaceReclaimed: space };
  }

  async rename(ref: string, newName: string): Promise<void> {
    const ctx = this.ctx;
    const e = ctx.mustGet(ref);
    if (!newName) throw new InvalidArgumentError('Neither old nor new names may be empty');
    const name = normalizeContainerName(newName);
    checkCanRename(e.rec.id, e.rec.state.status);
    const old = e.rec.name;
    if (name === old) throw new InvalidArgumentError(`Renaming a container with the same name as its current name`);
    const holder = ctx.byName.get(name)?.rec.id ?? ctx.reserved.get(name);
    if (holder) throw nameConflict(name, holder);
    await ctx.store.rename(e.rec.id, name);
    ctx.byName.delete(old);
    ctx.byName.set(name, e);
    e.rec.name = name;
    ctx.emit(e, 'rename', { oldName: old });
  }
}
