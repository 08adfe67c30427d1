import { promises as fs } from 'node:fs';
import {
  CancelledError,
  ConflictError,
  FailedPreconditionError,
  InternalError,
  InvalidArgumentError,
  isBerthError,
  messageOf,
  type BerthError,
} from '@berth/errdefs';
import { parseSignal, type ExitStatus, type Task } from '@berth/runtime';
import { publicMessage } from '@berth/errdefs';
import type { ContainerContext } from './container-context';
import type { Entry } from './container-entry';
import type { ContainerHealth } from './container-health';
import type { ContainerRecord } from './container-record';
import type { ContainerRemoval } from './container-removal';
import type { StopOptions } from './container-service';
import { checkCanStart, checkCanStop } from './container-state';
import type { StartNetworking } from './container-networking';
import type { ContainerVolumes } from './container-volumes';
import { notifyExit } from './container-waiters';
import { copyUp } from './copy-up';
import { createMountTargets, populateVolumes } from './mount-points';
import { createWorkingDir, refuseWorkingDirInReadOnlyMount } from './working-dir';
import { appArmorProfileOf } from './security-opts';
import { specInputOf } from './spec-input';
import { rfc3339Nano } from './timestamps';
import { logRotation } from './validate-create';
import { within } from './within';

/** The json-file rotation the shim applies (berth's defaults when LogConfig.Config says nothing). */
function rotationOf(opts: Record<string, string>): { logMaxSize: number; logMaxFiles: number } {
  const r = logRotation(opts);
  return { logMaxSize: r.maxSize, logMaxFiles: r.maxFiles };
}

/**
 * Where a start failed. `daemon` and `spec`: the steps Docker's daemon takes itself before it
 * calls the runtime (containerStart): Docker records exit code 128 for them whatever their text,
 * its translateContainerdStartErr reads only the runtime's. `daemon` (conditionalMountOnStart,
 * initializeNetworking) answers with the error's own kind; `spec` (createSpec: the mounts, the
 * working directory, devices, apparmor...; berth's copy-up, which Docker makes at create) is
 * wrapped by Docker as errdefs.System, a 500 whatever the kind. `runtime`: the runtime's, and
 * the steps berth takes in runc's place (the mount targets, runc's read-only refusal).
 */
type StartPhase = 'daemon' | 'spec' | 'runtime';

/** The exit code docker records for a failed start, and the error kind it answers with. */
function startFailure(err: unknown, phase: StartPhase): { exitCode: number; error: BerthError } {
  const msg = messageOf(err);
  if (phase === 'spec') return { exitCode: 128, error: err instanceof InternalError || err instanceof CancelledError ? err : new InternalError(msg, { cause: err }) };
  if (phase === 'daemon') return { exitCode: 128, error: isBerthError(err) ? err : new InternalError(msg, { cause: err }) };
  const lower = msg.toLowerCase();
  if (lower.includes('executable file not found') || lower.includes('no such file or directory')) {
    return { exitCode: 127, error: isBerthError(err) ? err : new InvalidArgumentError(msg, { cause: err }) };
  }
  if (lower.includes('permission denied')) return { exitCode: 126, error: isBerthError(err) ? err : new InvalidArgumentError(msg, { cause: err }) };
  if (lower.includes('not a directory')) return { exitCode: 127, error: isBerthError(err) ? err : new InvalidArgumentError(msg, { cause: err }) };
  return { exitCode: 128, error: isBerthError(err) ? err : new InternalError(msg, { cause: err }) };
}

/**
 * A container's runs: start (mount, spec, task), supervision of the task until it exits, the
 * exit recorded, restart policies with docker's back-off, and stop (signal, timeout, SIGKILL).
 */
export class ContainerSupervisor {
  constructor(
    private readonly ctx: ContainerContext,
    private readonly volumes: ContainerVolumes,
    private readonly health: ContainerHealth,
    private readonly removal: ContainerRemoval,
  ) {}

  /** Starts a run; call under `ctx.exclusive`. `byPolicy`: a restart by the restart policy. */
  async startLocked(e: Entry, byPolicy: boolean, signal?: AbortSignal): Promise<void> {
    const ctx = this.ctx;
    const id = e.rec.id;
    if (ctx.entries.get(id) !== e || e.doomed) {
      if (byPolicy) return;
      throw new ConflictError(`container ${id} is marked for removal and cannot be started`);
    }
    if (byPolicy) {
      if (e.rec.state.status !== 'restarting') return;
    } else {
      checkCanStart(id, e.rec.state.status);
    }
    const dir = ctx.layout.containerDir(id);
    const rootfs = ctx.rootfsOf(id);
    let task: Task | undefined;
    const t0 = process.hrtime.bigint();
    const ms = (): number => Number(process.hrtime.bigint() - t0) / 1e6;
    const times: Record<string, number> = {};
    let mounted = false;
    let net: StartNetworking | undefined;
    /** Whose a failure now would be (see startFailure). */
    let phase: StartPhase = 'daemon';
    // the previous run's shim may still be deleting the runtime's container of this id
    if (e.taskDone) await e.taskDone;
    try {
      await ctx.mounts.acquire(id, rootfs, () => ctx.describeMounts(id));
      mounted = true;
      phase = 'spec';
      if (e.rec.mounts?.some((m) => m.Type === 'volume')) {
        // only berthd's own volumes (Source is the layout's `_data`) carry a copy-up marker
        await populateVolumes(e.rec.mounts, rootfs, (from, to) => copyUp(ctx.deps.packDirectory, from, to), (m) => (m.Name && m.Source === ctx.layout.volumeData(m.Name) ? ctx.layout.volumeCopyUpMarker(m.Name) : undefined));
      }
      const input = await specInputOf(e.rec, { rootfs, containerDir: dir }, (n) => this.volumes.volumePath(n), () => this.initBinary());
      // what runc does at create (the targets of the mounts, its read-only refusal): the runtime's errors
      phase = 'runtime';
      const laid = await createMountTargets(input.mounts ?? [], rootfs);
      phase = 'spec';
      createWorkingDir(rootfs, e.rec.config.WorkingDir);
      phase = 'runtime';
      refuseWorkingDirInReadOnlyMount(rootfs, laid.laid, laid.tmpfsAt, e.rec.config.WorkingDir);
      phase = 'spec';
      times.mounted = ms();
      const apparmorProfile = appArmorProfileOf(ctx.deps.apparmor, e.rec.hostConfig);
      if (apparmorProfile) {
        await ctx.deps.apparmor!.ensureLoaded(apparmorProfile);
        input.apparmorProfile = apparmorProfile;
      }
      phase = 'daemon';
      net = await ctx.networking.prepare(e);
      times.network = ms();
      if (net.files) {
        await ctx.hooks.writeContainerFiles(dir, {
          hostname: net.hostname ?? input.hostname,
          hosts: net.files.hosts,
          resolvConf: net.files.resolvConf,
        });
      }
      if (net.hostname) input.hostname = net.hostname;
      if (Object.keys(net.namespacePaths).length) input.namespacePaths = net.namespacePaths;
      if (net.hostNamespaces.length) input.hostNamespaces = net.hostNamespaces;
      phase = 'spec';
      const spec = await ctx.hooks.buildSpec(input);
      times.spec = ms();
      phase = 'runtime';
      task = await ctx.runtimeFor(e).create({
        id,
        bundle: dir,
        stateDir: ctx.layout.containerStateDir(id), // off the data root: the exec root
        spec,
        logPath: e.rec.hostConfig.LogConfig?.Type === 'none' ? undefined : ctx.layout.containerLog(id),
        ...(e.rec.hostConfig.LogConfig?.Type === 'none' ? {} : rotationOf(e.rec.hostConfig.LogConfig?.Config ?? {})),
        openStdin: Boolean(e.rec.config.OpenStdin),
        // one runtime call (run --detach) instead of create + start; output is held for the
        // hub until task.start()
        runAtOnce: true,
        signal,
      });
      times.created = ms();
      e.hub.bind(task);
      await task.start(signal);
      times.started = ms();
    } catch (err) {
      const failure = startFailure(err, phase);
      await this.failStart(e, task, err, failure.exitCode, mounted, net?.attached ?? false);
      throw failure.error;
    }
    e.task = task;
    const started = ctx.now();
    await ctx.setState(e, {
      status: 'running',
      pid: task.pid,
      startedAt: rfc3339Nano(started),
      exitCode: 0,
      error: '',
      oomKilled: false,
      manuallyStopped: false,
      restartCount: byPolicy ? e.rec.state.restartCount + 1 : e.rec.state.restartCount,
    });
    ctx.emitVolumes(e, 'mount');
    ctx.emit(e, byPolicy ? 'restart' : 'start');
    this.supervise(e, task, started.getTime());
    this.health.start(e, true);
    ctx.log.debug({ id, ...times, recorded: ms() }, 'container started');
  }

  /** Watches a live task (new, or found again after a daemon restart) and records its exit. */
  supervise(e: Entry, task: Task, startedMs: number): void {
    e.runtimeDirty = false;
    // The exit is recorded as soon as the shim reports it; the shim deletes the runtime's
    // container meanwhile, and taskDone settles when it is done.
    e.taskDone = task.wait().then(
      () => undefined,
      () => {
        e.runtimeDirty = true;
      },
    );
    e.exitHandled = (task.exited ? task.exited() : task.wait())
      .catch((err): ExitStatus => {
        e.runtimeDirty = true;
        this.ctx.log.error({ id: e.rec.id, err: messageOf(err) }, 'lost the container task');
        return { exitCode: 255, finishedAt: rfc3339Nano(this.ctx.now()), oomKilled: false };
      })
      .then((exit) => {
        // A detached task (daemon shutdown) is still running: record nothing.
        if (this.ctx.closed) return;
        return this.handleExit(e, task, exit, startedMs);
      })
      .catch((err) => this.ctx.log.error({ id: e.rec.id, err: messageOf(err) }, 'recording the container exit failed'));
  }

  /** The host's static init for `--init`; a FailedPrecondition naming the fix when there is none. */
  private async initBinary(): Promise<string> {
    const candidates = this.ctx.deps.initBinary
      ? [this.ctx.deps.initBinary]
      : ['/usr/bin/docker-init', '/usr/libexec/docker/docker-init', '/usr/bin/tini-static'];
    for (const c of candidates) {
      if (await fs.access(c).then(() => true, () => false)) return c;
    }
    throw new FailedPreconditionError(`--init: no init binary found (looked for ${candidates.join(', ')}); install tini-static`);
  }

  /** A start that failed part-way: undo what was done, record docker's exit code and error. */
  private async failStart(e: Entry, task: Task | undefined, err: unknown, exitCode: number, mounted: boolean, attached: boolean): Promise<void> {
    const ctx = this.ctx;
    const id = e.rec.id;
    if (task) {
      await task.kill('KILL').catch(() => undefined);
      await within(task.wait(), 5000);
    }
    await ctx.runtimeFor(e).delete(id).catch(() => undefined);
    e.hub.finish();
    if (attached) await ctx.networking.release(id);
    if (mounted) {
      await ctx.mounts.release(id, ctx.rootfsOf(id)).catch((e2) => ctx.log.warn({ id, err: messageOf(e2) }, 'unmount after failed start'));
    }
    const wasRestarting = e.rec.state.status === 'restarting';
    await ctx.setState(e, {
      ...(wasRestarting ? { status: 'exited' as const, finishedAt: rfc3339Nano(ctx.now()) } : {}),
      error: publicMessage(err, ctx.layout.hostPaths),
      exitCode,
      pid: 0,
    }, { evenUnsaved: true }).catch((e2) => ctx.log.error({ id, err: messageOf(e2) }, 'recording a failed start'));
    notifyExit(e, exitCode);
    if (e.rec.hostConfig.AutoRemove) void this.removal.destroy(e).catch((e2) => ctx.log.error({ id, err: messageOf(e2) }, 'auto-remove failed'));
  }

  private async handleExit(e: Entry, task: Task, exit: ExitStatus, startedMs: number): Promise<void> {
    const ctx = this.ctx;
    const id = e.rec.id;
    const t0 = process.hrtime.bigint();
    const ms = (): number => Number(process.hrtime.bigint() - t0) / 1e6;
    if (e.task === task) e.task = undefined;
    e.health?.stop();
    e.health = undefined;
    // the unmount (the kernel syncs the upper dir's file system) and the state write run at once;
    // both are done before anyone hears of the exit
    let unmounted = 0;
    const released = Promise.all([
      ctx.mounts.release(id, ctx.rootfsOf(id)).catch((err) => ctx.log.warn({ id, err: messageOf(err) }, 'unmount after exit')),
      // the network goes with the task: addresses and published ports are free again
      ctx.networking.release(id),
    ]).then(() => {
      unmounted = ms();
    });
    let restart = !e.doomed && !ctx.closed && this.shouldRestart(e.rec, exit.exitCode);
    try {
      await ctx.setState(
        e,
        {
          status: restart ? 'restarting' : 'exited',
          pid: 0,
          exitCode: exit.exitCode,
          finishedAt: exit.finishedAt || rfc3339Nano(ctx.now()),
          oomKilled: exit.oomKilled,
        },
        { evenUnsaved: !restart },
      );
    } catch (err) {
      // Never leave clients hanging: they still get their FIN and their wait answer.
      ctx.log.error({ id, err: messageOf(err) }, 'recording the exit failed');
      restart = false;
    }
    await released;
    if (exit.oomKilled) ctx.emit(e, 'oom');
    ctx.emit(e, 'die', { exitCode: String(exit.exitCode) });
    ctx.emitVolumes(e, 'unmount');
    // The output is drained (task.wait settles after it): attached clients get their FIN now.
    e.hub.finish();
    notifyExit(e, exit.exitCode);
    ctx.log.debug({ id, unmounted, recorded: ms() }, 'container exit recorded');
    if (e.rec.hostConfig.AutoRemove && !e.doomed) {
      void this.removal.destroy(e).catch((err) => ctx.log.error({ id, err: messageOf(err) }, 'auto-remove failed'));
    } else if (restart) {
      // docker's backoff: 100 ms doubling, back to 100 ms after a run of 10 s or more.
      if (Date.now() - startedMs >= 10_000) e.restartDelayMs = 100;
      const delay = e.restartDelayMs;
      e.restartDelayMs = Math.min(e.restartDelayMs * 2, 60_000);
      e.restartTimer = setTimeout(() => {
        e.restartTimer = undefined;
        ctx.exclusive(e, () => this.startLocked(e, true)).catch((err) =>
          ctx.log.warn({ id, err: messageOf(err) }, 'restart by policy failed'),
        );
      }, delay);
      e.restartTimer.unref?.();
    }
  }

  /** The restart policy's answer for an exit (a manual stop never restarts). */
  shouldRestart(rec: ContainerRecord, exitCode: number): boolean {
    if (rec.state.manuallyStopped) return false;
    const p = rec.hostConfig.RestartPolicy;
    switch (p?.Name) {
      case 'always':
      case 'unless-stopped':
        return true;
      case 'on-failure':
        return exitCode !== 0 && (!p.MaximumRetryCount || rec.state.restartCount < p.MaximumRetryCount);
      default:
        return false;
    }
  }

  /** Stops the run: the stop signal, then SIGKILL after the timeout; resolves once the exit is recorded. */
  async stopEntry(e: Entry, opts: StopOptions): Promise<void> {
    const ctx = this.ctx;
    if (e.rec.state.status === 'restarting') {
      if (e.restartTimer) clearTimeout(e.restartTimer);
      e.restartTimer = undefined;
      await ctx.setState(e, { status: 'exited', manuallyStopped: true }, { evenUnsaved: true });
      return;
    }
    checkCanStop(e.rec.state.status, e.rec.id);
    // in memory even when a full disk refuses the row (moby's killWithSignal ignores its
    // CheckpointTo error): a stop must not fail, leaving the container running, for lack of space
    await ctx.setState(e, { manuallyStopped: true }, { evenUnsaved: true });
    const task = e.task;
    const handled = e.exitHandled;
    if (!task) return;
    const sig = opts.signal || e.rec.config.StopSignal || 'SIGTERM';
    let signo: number;
    try {
      signo = parseSignal(sig);
    } catch {
      throw new InvalidArgumentError(`Invalid signal: ${sig}`);
    }
    const st = e.rec.config.StopTimeout; // a Go int, exact (a bigint beyond 2^53): within() waits any length
    const timeout = opts.timeout ?? (typeof st === 'number' || typeof st === 'bigint' ? Number(st) : 10);
    e.hub.release();
    await task.kill(signo).catch((err) => ctx.log.debug({ id: e.rec.id, err: messageOf(err) }, 'stop signal'));
    ctx.emit(e, 'kill', { signal: String(signo) });
    if (timeout < 0) {
      await handled;
      return;
    }
    if (await within(handled, timeout * 1000)) return;
    await task.kill('KILL').catch(() => undefined);
    ctx.emit(e, 'kill', { signal: '9' });
    if (!(await within(handled, 30_000))) {
      throw new InternalError(`container ${e.rec.id}: did not exit within 30 seconds of SIGKILL`);
    }
  }
}
