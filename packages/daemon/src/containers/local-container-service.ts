import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Duplex, Readable } from 'node:stream';
import type {
  ContainerCreateRequest,
  ContainerCreateResponse,
  ContainerInspect,
  ContainerPruneReport,
  ContainerSummary,
  ContainerWaitResponse,
  Filters,
} from '@berth/api';
import {
  ConflictError,
  FailedPreconditionError,
  ForbiddenError,
  NotImplementedError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  isBerthError,
  isNotFound,
  messageOf,
  type BerthError,
} from '@berth/errdefs';
import {
  buildExecProcess,
  buildSpec as runtimeBuildSpec,
  isMountPoint,
  mountRootfs,
  parseSignal,
  readCgroupStats,
  readLogs as runtimeReadLogs,
  readLogBatches as runtimeReadLogBatches,
  unmountRootfs,
  writeContainerFiles as runtimeWriteContainerFiles,
  type CgroupStats,
  type ExitStatus,
  type Logger,
  type MountDescription,
  type Task,
} from '@berth/runtime';
import { isDigest, parseReference, type ImageRunConfig } from '@berth/oci';
import type { DataRoot } from '../layout';
import { applyImageChanges } from '../images/image-changes';
import type { ContainerRecord, ContainerStateRecord } from './container-record';
import { ZERO_TIME } from './container-record';
import type {
  AttachOptions,
  Attachment,
  CommitOptions,
  ContainerCounts,
  ContainerImageUser,
  ContainerService,
  CreateOptions,
  ListOptions,
  LogsOptions,
  LogsStream,
  RemoveOptions,
  StopOptions,
  WaitCondition,
  WaitHandle,
} from './container-service';
import { compileListFilters, compilePruneFilters } from './container-filters';
import { cgroupPathOf, cgroupPids, emptyStats, parsePs, runPs, statsMessage } from './container-processes';
import { containerChanges, imageLowerDirs, type ContainerChange } from './container-changes';
import { extractIntoContainer, statContainerPath, tarPath, type PathStat } from './container-archive';
import { normalizeContainerName, randomContainerName } from './container-names';
import {
  checkCanKill,
  checkCanPause,
  checkCanRemove,
  checkCanUnpause,
  checkCanRename,
  checkCanStart,
  checkCanStop,
  checkRunning,
  transition,
  type ContainerStatus,
} from './container-state';
import { nameConflict, type ContainerStore, type StoredContainer } from './container-store';
import { graphDriverData, toInspect, toSummary } from './container-views';
import type { ContainerEvent, ContainerServiceDeps } from './deps';
import { execInspect, newExecSession, validateExecConfig, type ExecInspect, type ExecSession } from './exec-session';
import { containerMounts, createInitLayer, initLayerPath } from './init-layer';
import { logEntryBytes, outputBytes } from './log-frames';
import { mergeImageConfig, processOf } from './merge-image-config';
import { RootfsMounts, type Mounter } from './rootfs-mounts';
import { resourceLimitsOf, specInputOf } from './spec-input';
import { populateVolumes, resolveMounts, type MountVolumes } from './mount-points';
import { copyTree } from './copy-tree';
import { HealthMonitor, hasHealthcheck, type ProbeResult } from './health-monitor';
import { StreamHub, type OutputSink } from './stream-hub';
import { parseTimeArg, rfc3339Nano } from './timestamps';
import { logRotation, validateCreate } from './validate-create';

/** The json-file rotation the shim applies (berth's defaults when LogConfig.Config says nothing). */
function rotationOf(opts: Record<string, string>): { logMaxSize: number; logMaxFiles: number } {
  const r = logRotation(opts);
  return { logMaxSize: r.maxSize, logMaxFiles: r.maxFiles };
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Hooks that tests replace; production uses @berth/runtime's functions. */
export interface ServiceHooks {
  mounter: Mounter;
  buildSpec: typeof runtimeBuildSpec;
  writeContainerFiles: typeof runtimeWriteContainerFiles;
  readLogs: typeof runtimeReadLogs;
  /** The same entries in batches (one per chunk read): `logs` writes one HTTP chunk per batch. */
  readLogBatches?: typeof runtimeReadLogBatches;
}

export function defaultServiceHooks(): ServiceHooks {
  return {
    mounter: { mount: (m, t) => mountRootfs(m, t), unmount: (t) => unmountRootfs(t) },
    buildSpec: runtimeBuildSpec,
    writeContainerFiles: runtimeWriteContainerFiles,
    readLogs: runtimeReadLogs,
    readLogBatches: runtimeReadLogBatches,
  };
}

interface Waiter {
  condition: WaitCondition;
  resolve(r: ContainerWaitResponse): void;
}

/** One container as the service holds it: its record plus everything that lives only in memory. */
interface Entry {
  rec: StoredContainer;
  hub: StreamHub;
  task?: Task;
  /** Settles once the current run's exit has been recorded (state, waiters, unmount). */
  exitHandled?: Promise<void>;
  removal?: Promise<void>;
  /** Being removed: no restart, no start. */
  doomed: boolean;
  waiters: Set<Waiter>;
  restartTimer?: NodeJS.Timeout;
  restartDelayMs: number;
  /** Serialises start / remove of this container. */
  lock: Promise<unknown>;
  /** The runtime may still hold a record of this container (its task was lost, not waited for). */
  runtimeDirty: boolean;
  /** Serialises state changes (setState). */
  stateChain: Promise<unknown>;
  /** The health check of the current run. */
  health?: HealthMonitor;
}

const ACTIVE: readonly ContainerStatus[] = ['running', 'paused', 'restarting'];

/** Bytes queued towards one attached client before the container's output is held. */
const OUTPUT_BUFFER_LIMIT = 4 * 1024 * 1024;

function isActive(s: ContainerStatus): boolean {
  return ACTIVE.includes(s);
}

/** The exit code docker records for a failed start, and the error kind it answers with. */
function startFailure(err: unknown): { exitCode: number; error: BerthError } {
  const msg = messageOf(err);
  const lower = msg.toLowerCase();
  if (lower.includes('executable file not found') || lower.includes('no such file or directory')) {
    return { exitCode: 127, error: isBerthError(err) ? err : new InvalidArgumentError(msg, { cause: err }) };
  }
  if (lower.includes('permission denied')) return { exitCode: 126, error: isBerthError(err) ? err : new InvalidArgumentError(msg, { cause: err }) };
  if (lower.includes('not a directory')) return { exitCode: 127, error: isBerthError(err) ? err : new InvalidArgumentError(msg, { cause: err }) };
  return { exitCode: 128, error: isBerthError(err) ? err : new InternalError(msg, { cause: err }) };
}

/** Resolves after `ms`, or with `true` as soon as `p` settles. */
async function within(p: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  if (!p) return true;
  let timer: NodeJS.Timeout | undefined;
  const done = await Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]);
  if (timer) clearTimeout(timer);
  return done;
}

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

export class LocalContainerService implements ContainerService {
  private readonly entries = new Map<string, Entry>();
  private readonly byName = new Map<string, Entry>();
  /** Names taken by creates still in flight: name → id. */
  private readonly reserved = new Map<string, string>();
  private readonly mounts: RootfsMounts;
  private readonly execs = new Map<string, ExecSession>();
  private readonly log: Logger;
  private readonly layout: DataRoot;
  private readonly runtimeName: string;
  private readonly now: () => Date;
  private closed = false;

  constructor(
    private readonly deps: ContainerServiceDeps,
    private readonly store: ContainerStore,
    private readonly hooks: ServiceHooks = defaultServiceHooks(),
  ) {
    this.mounts = new RootfsMounts(hooks.mounter);
    this.log = deps.logger ?? silent;
    this.layout = deps.layout;
    this.runtimeName = deps.runtimeName ?? 'runc';
    this.now = deps.now ?? (() => new Date());
  }

  // ---------------------------------------------------------------- lookups

  private lookup(ref: string): Entry | undefined {
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

  private mustGet(ref: string): Entry {
    const e = this.lookup(ref);
    if (!e) throw new NotFoundError(`No such container: ${ref}`);
    return e;
  }

  private rootfsOf(id: string): string {
    return this.layout.containerRootfs(id);
  }

  private exclusive<T>(e: Entry, fn: () => Promise<T>): Promise<T> {
    const p = e.lock.then(fn, fn);
    e.lock = p.catch(() => undefined);
    return p;
  }

  /** docker's volume `mount` (at start) / `unmount` (at exit) events, one per volume mount. */
  private emitVolumes(e: Entry, action: 'mount' | 'unmount'): void {
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

  private emit(e: Entry, action: string, extra: Record<string, string> = {}): void {
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
   * exit recorded meanwhile is never overwritten by a stale copy.
   */
  private setState(e: Entry, patch: Partial<ContainerStateRecord>): Promise<void> {
    const apply = async (): Promise<void> => {
      const cur = e.rec.state;
      if (patch.status !== undefined && patch.status !== cur.status) transition(e.rec.id, cur.status, patch.status);
      const next: ContainerStateRecord = { ...cur, ...patch };
      await this.store.updateState(e.rec.id, next);
      e.rec.state = next;
    };
    const p = e.stateChain.then(apply, apply);
    e.stateChain = p.catch(() => undefined);
    return p;
  }

  /** The rootfs mounts: the snapshot's overlay with the init layer on top of the image's layers. */
  private async describeMounts(id: string): Promise<MountDescription[]> {
    return containerMounts(await this.deps.snapshots.mounts(id), this.layout.containerDir(id));
  }

  /** Starts the container's health check, if it has one (a new run starts over with `starting`). */
  private startHealth(e: Entry, fresh: boolean): void {
    e.health?.stop();
    e.health = undefined;
    const cfg = e.rec.config.Healthcheck;
    if (!cfg || !hasHealthcheck(cfg)) return;
    if (fresh || !e.rec.state.health) e.rec.state.health = HealthMonitor.initialState();
    const m: HealthMonitor = new HealthMonitor(
      cfg,
      e.rec.state.health!,
      (cmd, timeoutMs) => this.probe(e, cmd, timeoutMs),
      (status) => this.emit(e, `health_status: ${status}`),
      (): boolean => e.rec.state.status === 'running' && e.health === m,
      this.now,
    );
    e.health = m;
    m.start();
  }

  /** One health probe: the command as an exec (docker's), 4 KiB of output kept, killed at the timeout. */
  private async probe(e: Entry, cmd: string[], timeoutMs: number): Promise<ProbeResult> {
    const id = e.rec.id;
    const dir = path.join(this.layout.containerDir(id), 'exec', `health-${randomBytes(8).toString('hex')}`);
    let task: Task | undefined;
    try {
      const spec = JSON.parse(await fs.readFile(path.join(this.layout.containerDir(id), 'config.json'), 'utf8'));
      const proc = await buildExecProcess(spec, { cmd });
      task = await this.deps.runtime.exec({ id, dir, process: proc });
      const chunks: Buffer[] = [];
      let size = 0;
      task.subscribe((c) => {
        if (size < 4096) chunks.push(c.data);
        size += c.data.length;
      });
      await task.start();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const r = await Promise.race([task.wait(), timedOut]);
      clearTimeout(timer);
      if (r === 'timeout') {
        await task.kill('KILL').catch(() => undefined);
        await task.wait().catch(() => undefined);
        return { exitCode: -1, output: `Health check exceeded timeout (${timeoutMs / 1000}s)` };
      }
      return { exitCode: r.exitCode, output: Buffer.concat(chunks).toString('utf8') };
    } catch (err) {
      if (task) {
        await task.kill('KILL').catch(() => undefined);
        task.detach();
      }
      const code = /executable file not found/i.test(messageOf(err)) ? 127 : 126;
      return { exitCode: code, output: messageOf(err) };
    } finally {
      await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private newEntry(rec: StoredContainer): Entry {
    return { rec, hub: new StreamHub(), doomed: false, waiters: new Set(), restartDelayMs: 100, lock: Promise.resolve(), runtimeDirty: false, stateChain: Promise.resolve() };
  }

  /** The host's static init for `--init`; a FailedPrecondition naming the fix when there is none. */
  private async initBinary(): Promise<string> {
    const candidates = this.deps.initBinary
      ? [this.deps.initBinary]
      : ['/usr/bin/docker-init', '/usr/libexec/docker/docker-init', '/usr/bin/tini-static'];
    for (const c of candidates) {
      if (await fs.access(c).then(() => true, () => false)) return c;
    }
    throw new FailedPreconditionError(`--init: no init binary found (looked for ${candidates.join(', ')}); install tini-static`);
  }

  private mountVolumes(): MountVolumes {
    // docker emits `volume create` for volumes a container creates (named on first use, anonymous)
    const created = (name: string): void => {
      try {
        this.deps.onEvent?.({ type: 'volume', action: 'create', id: name, from: '', attributes: { driver: 'local' } });
      } catch (err) {
        this.log.warn({ err: messageOf(err) }, 'volume event listener failed');
      }
    };
    return {
      ensure: async (name) => {
        const existed = await fs.stat(path.dirname(this.layout.volumeData(name))).then(() => true, () => false);
        const p = await this.volumePath(name);
        if (!existed) created(name);
        return p;
      },
      anonymous: async () => {
        let v: { name: string; path: string };
        if (this.deps.volumes?.create) {
          const r = await this.deps.volumes.create({ Labels: { 'com.docker.volume.anonymous': '' } });
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

  private async removeVolume(name: string): Promise<void> {
    try {
      if (this.deps.volumes?.remove) await this.deps.volumes.remove(name, { force: true });
      else await fs.rm(path.dirname(this.layout.volumeData(name)), { recursive: true, force: true });
    } catch (err) {
      this.log.warn({ volume: name, err: messageOf(err) }, 'could not remove an anonymous volume');
    }
  }

  private async volumePath(name: string): Promise<string> {
    if (this.deps.volumes) return this.deps.volumes.ensure(name);
    const dir = this.layout.volumeData(name);
    await fs.mkdir(dir, { recursive: true });
    return dir;
  }

  // ---------------------------------------------------------------- create

  async create(body: ContainerCreateRequest, opts: CreateOptions = {}): Promise<ContainerCreateResponse> {
    const v = validateCreate(body, this.runtimeName);
    if (opts.platform && !hostPlatformOk(opts.platform)) {
      throw new InvalidArgumentError(`platform "${opts.platform}": not supported by this daemon (linux only)`);
    }
    let name: string;
    if (opts.name) {
      name = normalizeContainerName(opts.name);
      const holder = this.byName.get(name)?.rec.id ?? this.reserved.get(name);
      if (holder) throw nameConflict(name, holder);
    } else {
      let i = 0;
      do name = `/${randomContainerName(i++ > 10 ? 1 : 0)}`;
      while (this.byName.has(name) || this.reserved.has(name));
    }
    const imageRef = v.config.Image!;
    if (!isDigest(imageRef)) parseReference(imageRef); // a malformed name is docker's 400 "invalid reference format"
    let image;
    try {
      image = await this.deps.images.get(imageRef);
    } catch (err) {
      if (isNotFound(err)) throw new NotFoundError(`No such image: ${v.config.Image}`, { cause: err });
      throw err;
    }
    const config = mergeImageConfig(v.config, image.config.config);
    const proc = processOf(config);
    const id = newContainerId();
    if (!config.Hostname) config.Hostname = id.slice(0, 12);
    this.reserved.set(name, id);
    const dir = this.layout.containerDir(id);
    let stored: StoredContainer;
    const anonymous: string[] = [];
    try {
      await fs.mkdir(dir, { recursive: true, mode: 0o710 });
      await fs.mkdir(this.rootfsOf(id), { recursive: true });
      await this.deps.snapshots.prepare(id, image.id, dir);
      await createInitLayer(dir);
      await this.hooks.writeContainerFiles(dir, {
        hostname: config.Hostname,
        domainname: config.Domainname || undefined,
        network: v.hostConfig.NetworkMode,
        extraHosts: v.hostConfig.ExtraHosts ?? undefined,
      });
      const mounts = await resolveMounts({ config, hostConfig: v.hostConfig }, this.mountVolumes(), (ref) => this.mustGet(ref).rec.mounts ?? [], anonymous);
      const rec: ContainerRecord = {
        mounts,
        id,
        name,
        image: v.config.Image!,
        imageId: image.id,
        config,
        hostConfig: v.hostConfig,
        networkingConfig: v.networkingConfig,
        path: proc.path,
        args: proc.args,
        created: rfc3339Nano(this.now()),
        state: {
          status: 'created',
          pid: 0,
          exitCode: 0,
          error: '',
          oomKilled: false,
          startedAt: ZERO_TIME,
          finishedAt: ZERO_TIME,
          restartCount: 0,
          manuallyStopped: false,
        },
      };
      stored = await this.store.insert(rec);
    } catch (err) {
      await this.deps.snapshots.remove(id).catch(() => undefined);
      await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
      for (const n of anonymous) await this.removeVolume(n);
      throw err;
    } finally {
      this.reserved.delete(name);
    }
    const e = this.newEntry(stored);
    this.entries.set(id, e);
    this.byName.set(name, e);
    this.emit(e, 'create');
    return { Id: id, Warnings: v.warnings };
  }

  // ---------------------------------------------------------------- start / exit

  async start(ref: string, signal?: AbortSignal): Promise<void> {
    const e = this.mustGet(ref);
    await this.exclusive(e, () => this.startLocked(e, false, signal));
  }

  private async startLocked(e: Entry, byPolicy: boolean, signal?: AbortSignal): Promise<void> {
    const id = e.rec.id;
    if (this.entries.get(id) !== e || e.doomed) {
      if (byPolicy) return;
      throw new ConflictError(`container ${id} is marked for removal and cannot be started`);
    }
    if (byPolicy) {
      if (e.rec.state.status !== 'restarting') return;
    } else {
      checkCanStart(id, e.rec.state.status);
    }
    const dir = this.layout.containerDir(id);
    const rootfs = this.rootfsOf(id);
    let task: Task | undefined;
    const t0 = process.hrtime.bigint();
    const ms = (): number => Number(process.hrtime.bigint() - t0) / 1e6;
    const times: Record<string, number> = {};
    let mounted = false;
    try {
      await this.mounts.acquire(id, rootfs, () => this.describeMounts(id));
      mounted = true;
      if (e.rec.mounts?.some((m) => m.Type === 'volume')) {
        await populateVolumes(e.rec.mounts, rootfs, copyTree);
      }
      times.mounted = ms();
      const spec = await this.hooks.buildSpec(
        await specInputOf(e.rec, { rootfs, containerDir: dir }, (n) => this.volumePath(n), () => this.initBinary()),
      );
      times.spec = ms();
      task = await this.deps.runtime.create({
        id,
        bundle: dir,
        spec,
        logPath: e.rec.hostConfig.LogConfig?.Type === 'none' ? undefined : this.layout.containerLog(id),
        ...(e.rec.hostConfig.LogConfig?.Type === 'none' ? {} : rotationOf(e.rec.hostConfig.LogConfig?.Config ?? {})),
        openStdin: Boolean(e.rec.config.OpenStdin),
        signal,
      });
      times.created = ms();
      e.hub.bind(task);
      await task.start(signal);
      times.started = ms();
    } catch (err) {
      await this.failStart(e, task, err, mounted);
      throw startFailure(err).error;
    }
    e.task = task;
    const started = this.now();
    await this.setState(e, {
      status: 'running',
      pid: task.pid,
      startedAt: rfc3339Nano(started),
      exitCode: 0,
      error: '',
      oomKilled: false,
      manuallyStopped: false,
      restartCount: byPolicy ? e.rec.state.restartCount + 1 : e.rec.state.restartCount,
    });
    this.emitVolumes(e, 'mount');
    this.emit(e, byPolicy ? 'restart' : 'start');
    this.supervise(e, task, started.getTime());
    this.startHealth(e, true);
    this.log.debug({ id, ...times, recorded: ms() }, 'container started');
  }

  private supervise(e: Entry, task: Task, startedMs: number): void {
    e.runtimeDirty = false;
    e.exitHandled = task
      .wait()
      .catch((err): ExitStatus => {
        e.runtimeDirty = true;
        this.log.error({ id: e.rec.id, err: messageOf(err) }, 'lost the container task');
        return { exitCode: 255, finishedAt: rfc3339Nano(this.now()), oomKilled: false };
      })
      .then((exit) => {
        // A detached task (daemon shutdown) is still running: record nothing.
        if (this.closed) return;
        return this.handleExit(e, task, exit, startedMs);
      })
      .catch((err) => this.log.error({ id: e.rec.id, err: messageOf(err) }, 'recording the container exit failed'));
  }

  /** A start that failed part-way: undo what was done, record docker's exit code and error. */
  private async failStart(e: Entry, task: Task | undefined, err: unknown, mounted: boolean): Promise<void> {
    const id = e.rec.id;
    if (task) {
      await task.kill('KILL').catch(() => undefined);
      await within(task.wait(), 5000);
    }
    await this.deps.runtime.delete(id).catch(() => undefined);
    e.hub.finish();
    if (mounted) {
      await this.mounts.release(id, this.rootfsOf(id)).catch((e2) => this.log.warn({ id, err: messageOf(e2) }, 'unmount after failed start'));
    }
    const { exitCode } = startFailure(err);
    const wasRestarting = e.rec.state.status === 'restarting';
    await this.setState(e, {
      ...(wasRestarting ? { status: 'exited' as const, finishedAt: rfc3339Nano(this.now()) } : {}),
      error: messageOf(err),
      exitCode,
      pid: 0,
    }).catch((e2) => this.log.error({ id, err: messageOf(e2) }, 'recording a failed start'));
    this.notifyExit(e, exitCode, false);
    if (e.rec.hostConfig.AutoRemove) void this.destroy(e).catch((e2) => this.log.error({ id, err: messageOf(e2) }, 'auto-remove failed'));
  }

  private async handleExit(e: Entry, task: Task, exit: ExitStatus, startedMs: number): Promise<void> {
    const id = e.rec.id;
    if (e.task === task) e.task = undefined;
    e.health?.stop();
    e.health = undefined;
    await this.mounts.release(id, this.rootfsOf(id)).catch((err) => this.log.warn({ id, err: messageOf(err) }, 'unmount after exit'));
    let restart = !e.doomed && !this.closed && this.shouldRestart(e.rec, exit.exitCode);
    try {
      await this.setState(e, {
        status: restart ? 'restarting' : 'exited',
        pid: 0,
        exitCode: exit.exitCode,
        finishedAt: exit.finishedAt || rfc3339Nano(this.now()),
        oomKilled: exit.oomKilled,
      });
    } catch (err) {
      // Never leave clients hanging: they still get their FIN and their wait answer.
      this.log.error({ id, err: messageOf(err) }, 'recording the exit failed');
      restart = false;
    }
    if (exit.oomKilled) this.emit(e, 'oom');
    this.emit(e, 'die', { exitCode: String(exit.exitCode) });
    this.emitVolumes(e, 'unmount');
    // The output is drained (task.wait settles after it): attached clients get their FIN now.
    e.hub.finish();
    this.notifyExit(e, exit.exitCode, restart);
    if (e.rec.hostConfig.AutoRemove && !e.doomed) {
      void this.destroy(e).catch((err) => this.log.error({ id, err: messageOf(err) }, 'auto-remove failed'));
    } else if (restart) {
      // docker's backoff: 100 ms doubling, back to 100 ms after a run of 10 s or more.
      if (Date.now() - startedMs >= 10_000) e.restartDelayMs = 100;
      const delay = e.restartDelayMs;
      e.restartDelayMs = Math.min(e.restartDelayMs * 2, 60_000);
      e.restartTimer = setTimeout(() => {
        e.restartTimer = undefined;
        this.exclusive(e, () => this.startLocked(e, true)).catch((err) =>
          this.log.warn({ id, err: messageOf(err) }, 'restart by policy failed'),
        );
      }, delay);
      e.restartTimer.unref?.();
    }
  }

  private shouldRestart(rec: ContainerRecord, exitCode: number): boolean {
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

  private notifyExit(e: Entry, exitCode: number, restarting: boolean): void {
    for (const w of [...e.waiters]) {
      if (w.condition === 'next-exit' || (w.condition === 'not-running' && !restarting)) {
        e.waiters.delete(w);
        w.resolve({ StatusCode: exitCode, Error: null });
      }
    }
  }

  private notifyRemoved(e: Entry): void {
    for (const w of [...e.waiters]) {
      e.waiters.delete(w);
      w.resolve({ StatusCode: e.rec.state.exitCode, Error: null });
    }
  }

  // ---------------------------------------------------------------- stop / kill / restart

  async stop(ref: string, opts: StopOptions = {}): Promise<void> {
    const e = this.mustGet(ref);
    await this.stopEntry(e, opts);
    this.emit(e, 'stop');
  }

  private async stopEntry(e: Entry, opts: StopOptions): Promise<void> {
    if (e.rec.state.status === 'restarting') {
      if (e.restartTimer) clearTimeout(e.restartTimer);
      e.restartTimer = undefined;
      await this.setState(e, { status: 'exited', manuallyStopped: true });
      return;
    }
    checkCanStop(e.rec.state.status, e.rec.id);
    await this.setState(e, { manuallyStopped: true });
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
    const timeout = opts.timeout ?? (typeof e.rec.config.StopTimeout === 'number' ? e.rec.config.StopTimeout : 10);
    e.hub.release();
    await task.kill(signo).catch((err) => this.log.debug({ id: e.rec.id, err: messageOf(err) }, 'stop signal'));
    this.emit(e, 'kill', { signal: String(signo) });
    if (timeout < 0) {
      await handled;
      return;
    }
    if (await within(handled, timeout * 1000)) return;
    await task.kill('KILL').catch(() => undefined);
    this.emit(e, 'kill', { signal: '9' });
    if (!(await within(handled, 30_000))) {
      throw new InternalError(`container ${e.rec.id}: did not exit within 30 seconds of SIGKILL`);
    }
  }

  async kill(ref: string, signal?: string): Promise<void> {
    const e = this.mustGet(ref);
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
    if (signo === 9 || signo === stopSig) await this.setState(e, { manuallyStopped: true });
    e.hub.release();
    await task.kill(signo);
    this.emit(e, 'kill', { signal: String(signo) });
    if (signo === 9) await within(e.exitHandled, 10_000);
  }

  async restart(ref: string, opts: StopOptions = {}): Promise<void> {
    const e = this.mustGet(ref);
    if (isActive(e.rec.state.status)) {
      await this.stopEntry(e, opts);
      this.emit(e, 'stop');
    }
    if (this.entries.get(e.rec.id) !== e) throw new NotFoundError(`No such container: ${ref}`);
    await this.exclusive(e, () => this.startLocked(e, false));
    this.emit(e, 'restart');
  }

  // ---------------------------------------------------------------- wait

  async wait(ref: string, condition?: WaitCondition | string, signal?: AbortSignal): Promise<WaitHandle> {
    const e = this.mustGet(ref);
    const c = condition === undefined || condition === '' ? 'not-running' : condition;
    if (c !== 'not-running' && c !== 'next-exit' && c !== 'removed') {
      throw new InvalidArgumentError(`invalid condition: "${condition}"`);
    }
    if (c === 'not-running' && !isActive(e.rec.state.status)) {
      return { result: Promise.resolve({ StatusCode: e.rec.state.exitCode, Error: null }) };
    }
    const result = new Promise<ContainerWaitResponse>((resolve) => {
      const w: Waiter = { condition: c, resolve };
      e.waiters.add(w);
      signal?.addEventListener(
        'abort',
        () => {
          if (e.waiters.delete(w)) resolve({ StatusCode: -1, Error: { Message: 'context canceled' } });
        },
        { once: true },
      );
    });
    return { result };
  }

  // ---------------------------------------------------------------- attach / logs / resize

  async attach(ref: string, opts: AttachOptions): Promise<Attachment> {
    const e = this.mustGet(ref);
    const tty = Boolean(e.rec.config.Tty);
    return { tty, connect: (conn) => this.connectAttach(e, opts, tty, conn) };
  }

  private async connectAttach(e: Entry, opts: AttachOptions, tty: boolean, conn: Duplex): Promise<void> {
    const id = e.rec.id;
    this.emit(e, 'attach');
    const write = (b: Buffer): void => {
      if (!conn.destroyed && conn.writable) conn.write(b);
    };
    if (opts.logs) {
      try {
        for await (const entry of this.hooks.readLogs(this.layout.containerLog(id), { stdout: Boolean(opts.stdout), stderr: Boolean(opts.stderr) })) {
          write(logEntryBytes(entry, tty, false));
        }
      } catch (err) {
        if (!isNotFound(err) && (err as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn({ id, err: messageOf(err) }, 'attach: replaying logs');
      }
    }
    if (!opts.stream || this.entries.get(id) !== e || e.doomed) {
      conn.end();
      return;
    }
    const wantStdin = Boolean(opts.stdin && e.rec.config.OpenStdin);
    let stdinDone = false;
    const closeStdin = (): void => {
      if (stdinDone) return;
      stdinDone = true;
      // docker (container/stream/attach.go): StdinOnce closes the container's stdin when the client's ends, but not for a TTY (a detached `run -it` shell stays usable)
      if (wantStdin && e.rec.config.StdinOnce && !tty) e.hub.closeStdin();
    };
    if (wantStdin) {
      conn.on('data', (d: Buffer) => e.hub.writeStdin(d));
      conn.on('end', closeStdin);
    } else {
      conn.on('data', () => undefined); // read and drop: the client's FIN must still arrive
    }
    conn.resume();
    await new Promise<void>((resolve) => {
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        remove();
        closeStdin();
        resolve();
      };
      const sink: OutputSink = {
        write: (c) => {
          if (tty || (c.stream === 'stdout' && opts.stdout) || (c.stream === 'stderr' && opts.stderr)) {
            write(outputBytes(c, tty));
            this.throttle(e.hub, sink, conn);
          }
        },
        end: () => {
          conn.end();
          finish();
        },
      };
      const remove = e.hub.add(sink);
      conn.on('close', finish);
    });
  }

  /** Holds the task's output while `conn` has more than OUTPUT_BUFFER_LIMIT bytes queued. */
  private throttle(hub: StreamHub, sink: OutputSink, conn: Duplex): void {
    if (conn.writableLength <= OUTPUT_BUFFER_LIMIT || conn.destroyed) return;
    hub.hold(sink);
    const resume = (): void => {
      conn.removeListener('drain', resume);
      conn.removeListener('close', resume);
      hub.unhold(sink);
    };
    conn.on('drain', resume);
    conn.on('close', resume);
  }

  async logs(ref: string, opts: LogsOptions): Promise<LogsStream> {
    const e = this.mustGet(ref);
    if (!opts.stdout && !opts.stderr) throw new InvalidArgumentError('Bad parameters: you must choose at least one stream');
    if (e.rec.hostConfig.LogConfig?.Type === 'none') {
      throw new NotImplementedError('configured logging driver does not support reading');
    }
    const now = this.now();
    const since = parseTimeArg(opts.since, now);
    const until = parseTimeArg(opts.until, now);
    if (Number.isNaN(since) || Number.isNaN(until)) throw new InvalidArgumentError('invalid value for since/until: expected unix seconds or RFC3339');
    const tty = Boolean(e.rec.config.Tty);
    const follow = Boolean(opts.follow) && isActive(e.rec.state.status) && !e.doomed;
    const stopWhen = follow ? this.runOver(e) : undefined;
    const file = this.layout.containerLog(e.rec.id);
    const read = this.hooks.readLogs;
    const readBatches = this.hooks.readLogBatches;
    const timestamps = Boolean(opts.timestamps);
    async function* chunks(): AsyncGenerator<Buffer> {
      try {
        await fs.access(file);
      } catch {
        return;
      }
      const o = {
        stdout: Boolean(opts.stdout),
        stderr: Boolean(opts.stderr),
        since: since && since > 0 ? new Date(since) : undefined,
        until: until && until > 0 ? new Date(until) : undefined,
        tail: opts.tail,
        follow,
        signal: opts.signal,
        stopWhen,
      };
      if (readBatches) {
        // one write per batch: 100,000 small writes cost more than reading the file
        for await (const batch of readBatches(file, o)) {
          if (batch.length) yield Buffer.concat(batch.map((entry) => logEntryBytes(entry, tty, timestamps)));
        }
        return;
      }
      for await (const entry of read(file, {
        stdout: Boolean(opts.stdout),
        stderr: Boolean(opts.stderr),
        since: since && since > 0 ? new Date(since) : undefined,
        until: until && until > 0 ? new Date(until) : undefined,
        tail: opts.tail,
        follow,
        signal: opts.signal,
        stopWhen,
      })) {
        yield logEntryBytes(entry, tty, timestamps);
      }
    }
    return { tty, chunks: chunks() };
  }

  /** Settles when the current run is over (for log following); never rejects. */
  private runOver(e: Entry): Promise<void> {
    if (e.exitHandled && e.rec.state.status !== 'restarting') return e.exitHandled.then(() => undefined);
    return new Promise((resolve) => {
      const w: Waiter = { condition: 'next-exit', resolve: () => resolve() };
      e.waiters.add(w);
    });
  }

  async update(ref: string, body: unknown): Promise<{ Warnings: string[] | null }> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new InvalidArgumentError('update: the request body must be a JSON object');
    const b = body as Record<string, unknown>;
    const e = this.mustGet(ref);
    if (e.doomed || e.rec.state.status === 'removing' || e.rec.state.status === 'dead') {
      throw new ConflictError(`Container ${e.rec.id} is marked for removal and cannot be "update"`);
    }
    const RESOURCES = [
      'Memory', 'MemorySwap', 'MemoryReservation', 'NanoCpus', 'CpuShares', 'CpuPeriod', 'CpuQuota',
      'CpusetCpus', 'CpusetMems', 'PidsLimit', 'BlkioWeight', 'CpuRealtimePeriod', 'CpuRealtimeRuntime',
    ];
    const merged: Record<string, unknown> = { ...e.rec.hostConfig };
    let resourcesChanged = false;
    for (const k of RESOURCES) {
      const v = b[k];
      if (v === undefined || v === null || v === 0 || v === '') continue;
      merged[k] = v;
      resourcesChanged = true;
    }
    const rp = b.RestartPolicy as { Name?: unknown } | undefined | null;
    if (rp && typeof rp === 'object' && rp.Name) {
      if (e.rec.hostConfig.AutoRemove && rp.Name !== 'no') {
        throw new InvalidArgumentError('Restart policy cannot be updated because AutoRemove is enabled for the container');
      }
      merged.RestartPolicy = rp;
    }
    const { hostConfig } = validateCreate({ Image: 'update', HostConfig: merged }, this.runtimeName);
    const next = { ...e.rec.hostConfig };
    for (const k of [...RESOURCES, 'MemorySwap', 'MemorySwappiness', 'RestartPolicy'] as const) {
      (next as Record<string, unknown>)[k] = (hostConfig as Record<string, unknown>)[k];
    }
    if (resourcesChanged && (e.rec.state.status === 'running' || e.rec.state.status === 'paused')) {
      // Applied live first (as docker: a limit the kernel refuses is an error and nothing is stored).
      if (!this.deps.runtime.update) {
        throw new FailedPreconditionError(`Cannot update container ${e.rec.id}: the runtime cannot change limits live`);
      }
      try {
        await this.deps.runtime.update(e.rec.id, resourceLimitsOf({ hostConfig: next }));
      } catch (err) {
        throw new InvalidArgumentError(`Cannot update container ${e.rec.id}: ${(err as Error).message}`);
      }
    }
    await this.store.updateHostConfig(e.rec.id, next);
    e.rec.hostConfig = next;
    this.emit(e, 'update');
    return { Warnings: null };
  }

  async pause(ref: string): Promise<void> {
    const e = this.mustGet(ref);
    await this.exclusive(e, async () => {
      checkCanPause(e.rec.id, e.rec.state.status);
      await this.deps.runtime.pause(e.rec.id);
      await this.setState(e, { status: 'paused' });
    });
    this.emit(e, 'pause');
  }

  async unpause(ref: string): Promise<void> {
    const e = this.mustGet(ref);
    await this.exclusive(e, async () => {
      checkCanUnpause(e.rec.id, e.rec.state.status);
      await this.deps.runtime.resume(e.rec.id);
      await this.setState(e, { status: 'running' });
    });
    this.emit(e, 'unpause');
  }

  async resize(ref: string, height: number, width: number): Promise<void> {
    const e = this.mustGet(ref);
    if (!Number.isInteger(height) || !Number.isInteger(width) || height < 0 || width < 0) {
      throw new InvalidArgumentError('resize: height and width must be non-negative integers');
    }
    checkRunning(e.rec.id, e.rec.state.status);
    if (e.task && e.rec.config.Tty && height > 0 && width > 0) await e.task.resize(height, width);
    this.emit(e, 'resize', { height: String(height), width: String(width) });
  }

  // ---------------------------------------------------------------- remove / prune

  async remove(ref: string, opts: RemoveOptions = {}): Promise<void> {
    const e = this.mustGet(ref);
    if (opts.link) throw new InvalidArgumentError('Conflict, cannot remove the default link name of the container');
    await this.exclusive(e, async () => {
      if (e.removal) throw new ConflictError(`removal of container ${e.rec.id} is already in progress`);
      checkCanRemove(e.rec.id, e.rec.state.status, Boolean(opts.force));
      if (isActive(e.rec.state.status)) {
        e.doomed = true;
        if (e.restartTimer) clearTimeout(e.restartTimer);
        e.restartTimer = undefined;
        const task = e.task;
        if (e.rec.state.status === 'paused') await this.deps.runtime.resume(e.rec.id).catch(() => undefined);
        e.hub.release();
        if (task) {
          await task.kill('KILL').catch(() => undefined);
          this.emit(e, 'kill', { signal: '9' });
          if (!(await within(e.exitHandled, 30_000))) {
            e.doomed = false;
            throw new InternalError(`Could not kill running container ${e.rec.id}, cannot remove`);
          }
        } else if (e.rec.state.status === 'restarting') {
          await this.setState(e, { status: 'exited' });
        }
      }
      await this.destroy(e, Boolean(opts.volumes));
    });
  }

  /**
   * Removes everything of a stopped container: mount, runtime record, snapshot, directory, row;
   * with `volumes` (rm -v, --rm) its anonymous volumes too.
   */
  private destroy(e: Entry, volumes = Boolean(e.rec.hostConfig.AutoRemove)): Promise<void> {
    if (e.removal) return e.removal;
    e.doomed = true;
    const id = e.rec.id;
    const run = async (): Promise<void> => {
      if (e.rec.state.status !== 'removing') await this.setState(e, { status: 'removing' });
      if (e.restartTimer) clearTimeout(e.restartTimer);
      e.restartTimer = undefined;
      e.hub.endAll();
      const rootfs = this.rootfsOf(id);
      try {
        await this.mounts.forceUnmount(id, rootfs);
        if (await isMountPoint(rootfs).catch(() => false)) throw new InternalError(`rootfs ${rootfs}: still mounted`);
        // task.wait() deletes the runtime's record; only a lost task leaves one behind.
        if (e.runtimeDirty) await this.deps.runtime.delete(id).catch(() => undefined);
        await this.deps.snapshots.remove(id);
        await fs.rm(this.layout.containerDir(id), { recursive: true, force: true });
        await this.store.delete(id);
      } catch (err) {
        await this.setState(e, { status: 'dead', error: messageOf(err) }).catch(() => undefined);
        e.removal = undefined;
        throw new InternalError(`unable to remove filesystem for ${id}: ${messageOf(err)}`, { cause: err });
      }
      this.entries.delete(id);
      this.forgetExecsOf(id);
      if (this.byName.get(e.rec.name) === e) this.byName.delete(e.rec.name);
      this.emit(e, 'destroy');
      if (volumes) for (const m of e.rec.mounts ?? []) if (m.Anonymous && m.Name) await this.removeVolume(m.Name);
      this.notifyRemoved(e);
    };
    e.removal = run();
    return e.removal;
  }

  async prune(filters: Filters = new Map()): Promise<ContainerPruneReport> {
    const match = compilePruneFilters(filters, this.now(), (v, now) => parseTimeArg(v, now));
    const deleted: string[] = [];
    let space = 0;
    for (const e of [...this.entries.values()]) {
      const s = e.rec.state.status;
      if (!(s === 'created' || s === 'exited' || s === 'dead') || e.doomed || !match(e.rec)) continue;
      const size = await this.deps.snapshots.usage(e.rec.id).then((u) => u.size).catch(() => 0);
      try {
        await this.remove(e.rec.id);
      } catch (err) {
        this.log.warn({ id: e.rec.id, err: messageOf(err) }, 'prune: could not remove container');
        continue;
      }
      deleted.push(e.rec.id);
      space += size;
    }
    return { ContainersDeleted: deleted.length ? deleted : null, SpaceReclaimed: space };
  }

  // ---------------------------------------------------------------- exec

  async execCreate(ref: string, body: unknown): Promise<{ Id: string }> {
    const config = validateExecConfig(body);
    const e = this.mustGet(ref);
    checkRunning(e.rec.id, e.rec.state.status);
    const id = randomBytes(32).toString('hex');
    this.execs.set(id, newExecSession(id, e.rec.id, config));
    this.emit(e, `exec_create: ${config.cmd.join(' ')}`, { execID: id });
    return { Id: id };
  }

  private mustGetExec(id: string): ExecSession {
    const s = this.execs.get(id);
    if (!s) throw new NotFoundError(`No such exec instance: ${id}`);
    return s;
  }

  async execStart(execId: string, opts: { detach?: boolean } = {}): Promise<Attachment | undefined> {
    const s = this.mustGetExec(execId);
    if (s.status === 'running') throw new ConflictError(`Error: Exec command ${execId} is already running`);
    if (s.status === 'exited') throw new ConflictError(`Error: Exec command ${execId} has already run`);
    const e = this.entries.get(s.containerId);
    if (!e) throw new NotFoundError(`No such container: ${s.containerId}`);
    checkRunning(e.rec.id, e.rec.state.status);
    s.status = 'running';
    if (opts.detach) {
      try {
        await this.runExec(e, s);
      } finally {
        if ((s.status as ExecSession['status']) === 'exited') s.hub.finish();
      }
      return undefined;
    }
    return { tty: s.config.tty, connect: (conn) => this.connectExec(e, s, conn) };
  }

  /** Runs the exec's process; on failure records exit 126 and rethrows (the hub is left to the caller). */
  private async runExec(e: Entry, s: ExecSession): Promise<void> {
    const id = e.rec.id;
    const dir = path.join(this.layout.containerDir(id), 'exec', s.id);
    let task: Task | undefined;
    try {
      const spec = JSON.parse(await fs.readFile(path.join(this.layout.containerDir(id), 'config.json'), 'utf8'));
      const proc = await buildExecProcess(spec, {
        cmd: s.config.cmd,
        env: s.config.env,
        user: s.config.user || undefined,
        workingDir: s.config.workingDir || undefined,
        tty: s.config.tty,
        consoleSize: s.config.consoleSize,
        privileged: s.config.privileged,
      });
      task = await this.deps.runtime.exec({ id, dir, process: proc, openStdin: s.config.attachStdin });
      s.hub.bind(task);
      await task.start();
    } catch (err) {
      if (task) {
        await task.kill('KILL').catch(() => undefined);
        task.detach();
      }
      s.status = 'exited';
      s.exitCode = /executable file not found/i.test(messageOf(err)) ? 127 : 126; // docker's translateContainerdStartErr
      s.resolveDone();
      this.forgetExecLater(s);
      await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
      throw err;
    }
    s.task = task;
    s.pid = task.pid;
    this.emit(e, `exec_start: ${s.config.cmd.join(' ')}`, { execID: s.id });
    void task
      .wait()
      .then(
        (exit) => exit.exitCode,
        () => 126,
      )
      .then(async (code) => {
        s.status = 'exited';
        s.exitCode = code;
        s.task = undefined;
        s.hub.finish();
        this.emit(e, 'exec_die', { execID: s.id, exitCode: String(code) });
        await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
        s.resolveDone();
        this.forgetExecLater(s);
      });
  }

  private async connectExec(e: Entry, s: ExecSession, conn: Duplex): Promise<void> {
    const tty = s.config.tty;
    const write = (b: Buffer): void => {
      if (!conn.destroyed && conn.writable) conn.write(b);
    };
    if (s.config.attachStdin) {
      conn.on('data', (d: Buffer) => s.hub.writeStdin(d));
      conn.on('end', () => s.hub.closeStdin());
    } else {
      conn.on('data', () => undefined);
    }
    conn.resume();
    let closed = false;
    const gone = new Promise<void>((resolve) =>
      conn.on('close', () => {
        closed = true;
        resolve();
      }),
    );
    const sink: OutputSink = {
      write: (c) => {
        if (tty || (c.stream === 'stdout' && s.config.attachStdout) || (c.stream === 'stderr' && s.config.attachStderr)) {
          write(outputBytes(c, tty));
          this.throttle(s.hub, sink, conn);
        }
      },
      end: () => conn.end(),
    };
    s.hub.add(sink);
    try {
      await this.runExec(e, s);
    } catch (err) {
      // docker: the runtime's message as output, then the stream closes; inspect says 126.
      const text = Buffer.from(`${messageOf(err)}\r\n`);
      write(tty ? text : outputBytes({ stream: 'stdout', data: text }, false));
      s.hub.finish();
      return;
    }
    await Promise.race([s.done, gone]);
    if (closed && s.status === 'running' && s.config.attachStdin) s.hub.closeStdin();
  }

  async execInspect(execId: string): Promise<ExecInspect> {
    return execInspect(this.mustGetExec(execId));
  }

  async execResize(execId: string, height: number, width: number): Promise<void> {
    const s = this.mustGetExec(execId);
    if (!Number.isInteger(height) || !Number.isInteger(width) || height < 0 || width < 0) {
      throw new InvalidArgumentError('resize: height and width must be non-negative integers');
    }
    if (s.task && s.config.tty && height > 0 && width > 0) await s.task.resize(height, width);
  }

  /** Exited sessions are kept for inspection a while, as docker does, then forgotten. */
  private forgetExecLater(s: ExecSession): void {
    if (s.gcTimer) clearTimeout(s.gcTimer);
    s.gcTimer = setTimeout(() => this.execs.delete(s.id), 5 * 60_000);
    s.gcTimer.unref?.();
  }

  private forgetExecsOf(containerId: string): void {
    for (const s of [...this.execs.values()]) {
      if (s.containerId !== containerId) continue;
      if (s.gcTimer) clearTimeout(s.gcTimer);
      s.hub.endAll();
      this.execs.delete(s.id);
    }
  }

  private execIdsOf(containerId: string): string[] | null {
    const ids = [...this.execs.values()].filter((s) => s.containerId === containerId).map((s) => s.id);
    return ids.length ? ids : null;
  }

  // ---------------------------------------------------------------- archive (cp out)

  async archiveStat(ref: string, containerPath: string): Promise<PathStat> {
    if (!containerPath) throw new InvalidArgumentError('path: required');
    const m = await this.mountRootfs(ref);
    try {
      return (await statContainerPath(m.path, containerPath, ref)).stat;
    } finally {
      await m.release().catch((err) => this.log.warn({ ref, err: messageOf(err) }, 'archive: unmount'));
    }
  }

  async archiveGet(ref: string, containerPath: string): Promise<{ stat: PathStat; tar: Readable }> {
    if (!containerPath) throw new InvalidArgumentError('path: required');
    const m = await this.mountRootfs(ref);
    let tar: Readable;
    let stat: PathStat;
    try {
      const r = await statContainerPath(m.path, containerPath, ref);
      stat = r.stat;
      tar = tarPath(r.host, m.path);
    } catch (err) {
      await m.release().catch(() => undefined);
      throw err;
    }
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      m.release().catch((err) => this.log.warn({ ref, err: messageOf(err) }, 'archive: unmount'));
    };
    tar.once('end', release);
    tar.once('close', release);
    tar.once('error', release);
    return { stat, tar };
  }

  async archivePut(
    ref: string,
    containerPath: string,
    input: Readable,
    opts: { noOverwriteDirNonDir?: boolean; signal?: AbortSignal } = {},
  ): Promise<void> {
    if (!containerPath) throw new InvalidArgumentError('path: required');
    const extract = this.deps.unpackTar;
    if (!extract) throw new NotImplementedError('archive: copying into a container is not available (no tar extractor configured)');
    const e = this.mustGet(ref);
    if (e.rec.hostConfig.ReadonlyRootfs) throw new ForbiddenError('container rootfs is marked read-only');
    const m = await this.mountRootfs(ref);
    try {
      await extractIntoContainer({
        rootfs: m.path,
        containerPath,
        containerRef: ref,
        input,
        scratchDir: path.join(this.layout.containerDir(e.rec.id), `cp-${randomBytes(6).toString('hex')}`),
        extract,
        noOverwriteDirNonDir: opts.noOverwriteDirNonDir,
        signal: opts.signal,
      });
    } finally {
      await m.release().catch((err) => this.log.warn({ ref, err: messageOf(err) }, 'archive: unmount'));
    }
    this.emit(e, 'extract-to-dir');
  }

  // ---------------------------------------------------------------- commit

  async commit(ref: string, opts: CommitOptions): Promise<{ Id: string }> {
    const committer = this.deps.committer;
    if (!committer) throw new NotImplementedError('commit: not available (no image committer configured)');
    const e = this.mustGet(ref);
    const id = e.rec.id;
    if (e.doomed || e.rec.state.status === 'removing' || e.rec.state.status === 'dead') {
      throw new ConflictError(`You cannot commit container ${id} which is dead or marked for removal`);
    }
    let reference: string | undefined;
    if (opts.repo) {
      reference = `${opts.repo}:${opts.tag || 'latest'}`;
      parseReference(reference);
    } else if (opts.tag) {
      throw new InvalidArgumentError('tag without a repository');
    }
    const { Hostname, Domainname, User, ExposedPorts, Tty, OpenStdin, StdinOnce, Env, Cmd, Image, Volumes, WorkingDir, Entrypoint, OnBuild, Labels, StopSignal, AttachStdin, AttachStdout, AttachStderr, Healthcheck } =
      e.rec.config;
    const containerConfig: ImageRunConfig = {
      Hostname, Domainname, User, AttachStdin, AttachStdout, AttachStderr, ExposedPorts, Tty, OpenStdin, StdinOnce,
      Env, Cmd, Image, Volumes, WorkingDir, Entrypoint, OnBuild, Labels,
      ...(StopSignal ? { StopSignal } : {}),
      ...(Healthcheck ? { Healthcheck } : {}),
    };
    const fromBody: ImageRunConfig = {};
    for (const [k, v] of Object.entries(opts.config ?? {})) {
      if (v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0)) (fromBody as Record<string, unknown>)[k] = v;
    }
    const config = applyImageChanges({ ...containerConfig, ...fromBody }, opts.changes ?? []);
    const pause = opts.pause !== false && e.rec.state.status === 'running';
    if (pause) await this.pause(id);
    try {
      const rec = await committer.commit({
        parent: e.rec.imageId,
        upperDir: await this.deps.snapshots.upperDir(id),
        config,
        containerConfig,
        containerId: id,
        author: opts.author,
        comment: opts.comment,
        references: reference ? [reference] : undefined,
        signal: opts.signal,
      });
      this.emit(e, 'commit', { comment: opts.comment ?? '' });
      return { Id: rec.id };
    } finally {
      if (pause) await this.unpause(id).catch((err) => this.log.warn({ id, err: messageOf(err) }, 'commit: unpause'));
    }
  }

  // ---------------------------------------------------------------- diff

  async changes(ref: string): Promise<ContainerChange[] | null> {
    const e = this.mustGet(ref);
    const id = e.rec.id;
    const [upper, mounts] = await Promise.all([this.deps.snapshots.upperDir(id), this.deps.snapshots.mounts(id)]);
    const list = await containerChanges(upper, imageLowerDirs(mounts, initLayerPath(this.layout.containerDir(id))));
    return list.length ? list : null;
  }

  // ---------------------------------------------------------------- top / stats

  async top(ref: string, psArgs?: string): Promise<{ Titles: string[]; Processes: string[][] }> {
    const e = this.mustGet(ref);
    checkRunning(e.rec.id, e.rec.state.status === 'paused' ? 'running' : e.rec.state.status);
    const cgroup = await cgroupPathOf(this.layout.containerDir(e.rec.id));
    const [pids, out] = await Promise.all([cgroupPids(cgroup), runPs(psArgs)]);
    return parsePs(out, pids);
  }

  async stats(ref: string, opts: { stream: boolean; oneShot?: boolean; signal?: AbortSignal }): Promise<AsyncIterable<Record<string, unknown>>> {
    const e = this.mustGet(ref);
    const id = e.rec.id;
    const sleep = (ms: number): Promise<void> =>
      new Promise((resolve) => {
        const t = setTimeout(resolve, ms);
        opts.signal?.addEventListener('abort', () => {
          clearTimeout(t);
          resolve();
        }, { once: true });
      });
    const sample = async (): Promise<CgroupStats | undefined> => {
      if (!isActive(e.rec.state.status) || !e.task) return undefined;
      try {
        return await readCgroupStats(await cgroupPathOf(this.layout.containerDir(id)));
      } catch {
        return undefined;
      }
    };
    const self = this;
    async function* messages(): AsyncGenerator<Record<string, unknown>> {
      let prev = opts.oneShot ? undefined : await sample();
      if (!opts.stream) {
        if (!prev && !opts.oneShot) {
          yield emptyStats(e.rec.name, id);
          return;
        }
        if (!opts.oneShot) await sleep(1000);
        const cur = await sample();
        yield cur ? statsMessage(cur, prev, e.rec.name, id) : emptyStats(e.rec.name, id);
        return;
      }
      for (;;) {
        if (opts.signal?.aborted) return;
        const cur = await sample();
        if (!cur) {
          yield emptyStats(e.rec.name, id);
          if (!isActive(e.rec.state.status) || self.entries.get(id) !== e) return;
        } else {
          yield statsMessage(cur, prev, e.rec.name, id);
          prev = cur;
        }
        await sleep(1000);
      }
    }
    return messages();
  }

  // ---------------------------------------------------------------- export / rootfs access

  async export(ref: string, signal?: AbortSignal): Promise<Readable> {
    const e = this.mustGet(ref);
    const m = await this.mountRootfs(e.rec.id);
    let stream: Readable;
    try {
      stream = await this.deps.packDirectory(m.path, { signal });
    } catch (err) {
      await m.release();
      throw err;
    }
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      m.release().catch((err) => this.log.warn({ id: e.rec.id, err: messageOf(err) }, 'export: unmount'));
    };
    stream.once('end', release);
    stream.once('close', release);
    stream.once('error', release);
    this.emit(e, 'export');
    return stream;
  }

  async mountRootfs(ref: string): Promise<{ path: string; release(): Promise<void> }> {
    const e = this.mustGet(ref);
    if (e.doomed) throw new ConflictError(`container ${e.rec.id} is marked for removal`);
    const id = e.rec.id;
    const rootfs = this.rootfsOf(id);
    await this.mounts.acquire(id, rootfs, () => this.describeMounts(id));
    let released = false;
    return {
      path: rootfs,
      release: async () => {
        if (released) return;
        released = true;
        await this.mounts.release(id, rootfs);
      },
    };
  }

  // ---------------------------------------------------------------- queries

  async list(opts: ListOptions = {}): Promise<ContainerSummary[]> {
    const filters = opts.filters ?? new Map();
    const ancestorIds = new Set<string>();
    for (const a of filters.get('ancestor') ?? []) {
      const img = await this.deps.images.get(a).catch(() => undefined);
      if (img) ancestorIds.add(img.id);
    }
    const { match, impliesAll } = compileListFilters(filters, { seqOf: (r) => this.mustGet(r).rec.seq, ancestorIds });
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const all = Boolean(opts.all) || impliesAll || limit > 0;
    const recs = [...this.entries.values()].map((e) => e.rec).sort((a, b) => b.seq - a.seq);
    const now = this.now();
    const out: ContainerSummary[] = [];
    for (const rec of recs) {
      if (!all && !isActive(rec.state.status)) continue;
      if (!match(rec)) continue;
      out.push(toSummary(rec, now, opts.size ? await this.sizes(rec) : undefined));
      if (limit && out.length >= limit) break;
    }
    return out;
  }

  private async sizes(rec: ContainerRecord): Promise<{ rw: number; rootFs: number }> {
    const rw = await this.deps.snapshots.usage(rec.id).then((u) => u.size).catch(() => 0);
    const img = await this.deps.images.get(rec.imageId).catch(() => undefined);
    return { rw, rootFs: rw + (img?.size ?? 0) };
  }

  async inspect(ref: string, opts: { size?: boolean } = {}): Promise<ContainerInspect> {
    const e = this.mustGet(ref);
    const rec = e.rec;
    const mounts = await this.describeMounts(rec.id).catch(() => undefined);
    const { seq: _seq, ...plain } = rec;
    const out = toInspect(structuredClone(plain), this.layout, {
      graphDriver: graphDriverData(mounts, this.rootfsOf(rec.id)),
      size: opts.size ? await this.sizes(rec) : undefined,
    });
    out.ExecIDs = this.execIdsOf(rec.id);
    return out;
  }

  async rename(ref: string, newName: string): Promise<void> {
    const e = this.mustGet(ref);
    if (!newName) throw new InvalidArgumentError('Neither old nor new names may be empty');
    const name = normalizeContainerName(newName);
    checkCanRename(e.rec.id, e.rec.state.status);
    const old = e.rec.name;
    if (name === old) throw new InvalidArgumentError(`Renaming a container with the same name as its current name`);
    const holder = this.byName.get(name)?.rec.id ?? this.reserved.get(name);
    if (holder) throw nameConflict(name, holder);
    await this.store.rename(e.rec.id, name);
    this.byName.delete(old);
    this.byName.set(name, e);
    e.rec.name = name;
    this.emit(e, 'rename', { oldName: old });
  }

  async get(ref: string): Promise<ContainerRecord> {
    const { seq: _seq, ...rec } = this.mustGet(ref).rec;
    return structuredClone(rec);
  }

  async imageUsers(imageId: string): Promise<ContainerImageUser[]> {
    const out: ContainerImageUser[] = [];
    for (const e of this.entries.values()) {
      if (e.rec.imageId === imageId) out.push({ id: e.rec.id, running: isActive(e.rec.state.status) });
    }
    return out;
  }

  async counts(): Promise<ContainerCounts> {
    let running = 0;
    let paused = 0;
    let stopped = 0;
    for (const e of this.entries.values()) {
      const s = e.rec.state.status;
      if (s === 'paused') paused++;
      else if (s === 'running' || s === 'restarting') running++;
      else stopped++;
    }
    return { total: this.entries.size, running, paused, stopped };
  }

  // ---------------------------------------------------------------- restore / shutdown

  async restore(): Promise<void> {
    const recs = await this.store.loadAll();
    for (const rec of recs) {
      const e = this.newEntry(rec);
      this.entries.set(rec.id, e);
      this.byName.set(rec.name, e);
    }
    await Promise.all(
      [...this.entries.values()].map((e) =>
        this.restoreOne(e).catch((err) => this.log.error({ id: e.rec.id, err: messageOf(err) }, 'restoring container failed')),
      ),
    );
  }

  private async restoreOne(e: Entry): Promise<void> {
    const id = e.rec.id;
    const dir = this.layout.containerDir(id);
    const rootfs = this.rootfsOf(id);
    const status = e.rec.state.status;
    if (status === 'removing') {
      await this.destroy(e);
      return;
    }
    if (status === 'running' || status === 'paused' || status === 'restarting') {
      let r: Task | ExitStatus;
      try {
        r = await this.deps.runtime.reconnect(id, dir);
      } catch (err) {
        this.log.warn({ id, err: messageOf(err) }, 'reconnect failed; recording the container as exited');
        r = { exitCode: 255, finishedAt: rfc3339Nano(this.now()), oomKilled: false };
      }
      if ('exitCode' in r) {
        await this.mounts.forceUnmount(id, rootfs).catch((err) => this.log.warn({ id, err: messageOf(err) }, 'unmount on restore'));
        await this.deps.runtime.delete(id).catch(() => undefined);
        await this.setState(e, {
          status: 'exited',
          pid: 0,
          exitCode: status === 'restarting' ? e.rec.state.exitCode : r.exitCode,
          finishedAt: status === 'restarting' ? e.rec.state.finishedAt : r.finishedAt || rfc3339Nano(this.now()),
          oomKilled: r.oomKilled,
        });
        if (e.rec.hostConfig.AutoRemove) {
          await this.destroy(e);
          return;
        }
        if (this.shouldRestart(e.rec, e.rec.state.exitCode)) {
          await this.setState(e, { status: 'restarting' });
          await this.exclusive(e, () => this.startLocked(e, true)).catch((err) =>
            this.log.warn({ id, err: messageOf(err) }, 'restart on restore failed'),
          );
        }
        return;
      }
      const task = r;
      e.task = task;
      e.hub.bind(task);
      this.mounts.adopt(id);
      if (task.pid !== e.rec.state.pid) await this.setState(e, { pid: task.pid });
      this.supervise(e, task, Date.parse(e.rec.state.startedAt) || Date.now());
      this.startHealth(e, true);
      return;
    }
    // created, exited, dead: no process may remain, no mount either.
    if (await fs.stat(path.join(dir, 'shim.sock')).then(() => true, () => false)) {
      const r = await this.deps.runtime.reconnect(id, dir).catch(() => undefined);
      if (r && !('exitCode' in r)) {
        await r.kill('KILL').catch(() => undefined);
        await within(r.wait(), 5000);
      }
      await this.deps.runtime.delete(id).catch(() => undefined);
    }
    await this.mounts.forceUnmount(id, rootfs).catch((err) => this.log.warn({ id, err: messageOf(err) }, 'unmount on restore'));
    // docker: on daemon start `always` comes back even after a manual stop, `unless-stopped` only if not stopped by hand.
    const policy = e.rec.hostConfig.RestartPolicy?.Name;
    if (
      status === 'exited' &&
      e.rec.state.startedAt !== ZERO_TIME &&
      !e.rec.hostConfig.AutoRemove &&
      (policy === 'always' || (policy === 'unless-stopped' && !e.rec.state.manuallyStopped))
    ) {
      await this.exclusive(e, () => this.startLocked(e, false)).catch((err) =>
        this.log.warn({ id, err: messageOf(err) }, 'restart policy: start on daemon start failed'),
      );
    }
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    for (const s of this.execs.values()) {
      if (s.gcTimer) clearTimeout(s.gcTimer);
      s.hub.endAll();
      s.task?.detach();
    }
    for (const e of this.entries.values()) {
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
