import type { Readable } from 'node:stream';
import type {
  ContainerCreateRequest,
  ContainerCreateResponse,
  ContainerInspect,
  ContainerPruneReport,
  ContainerSummary,
  EndpointSettings,
  Filters,
} from '@berth/api';
import type { PathStat } from './container-archive';
import { ContainerAttach } from './container-attach';
import type { ContainerChange } from './container-changes';
import { commitContainer } from './container-commit';
import { ContainerContext } from './container-context';
import { ContainerCopy } from './container-copy';
import { ContainerCreator } from './container-create';
import { ContainerExecs } from './container-exec';
import { ContainerHealth } from './container-health';
import { ContainerLifecycle } from './container-lifecycle';
import { ContainerQueries } from './container-queries';
import type { ContainerRecord } from './container-record';
import { ContainerRemoval } from './container-removal';
import { ContainerRestore } from './container-restore';
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
  UpdateOptions,
  WaitCondition,
  WaitHandle,
} from './container-service';
import { ContainerStats } from './container-stats';
import type { ContainerStore } from './container-store';
import { ContainerSupervisor } from './container-supervisor';
import { updateContainer } from './container-update';
import { ContainerVolumes } from './container-volumes';
import type { ContainerServiceDeps } from './deps';
import type { ExecInspect } from './exec-session';
import { defaultServiceHooks, type ServiceHooks } from './service-hooks';

/**
 * The ContainerService of berthd: a facade over the parts that share one ContainerContext
 * (the in-memory table, the store, the mounts). Each operation is implemented in its own file;
 * see README.md for the map.
 */
export class LocalContainerService implements ContainerService {
  private readonly ctx: ContainerContext;
  private readonly creator: ContainerCreator;
  private readonly lifecycle: ContainerLifecycle;
  private readonly attachments: ContainerAttach;
  private readonly execs: ContainerExecs;
  private readonly copy: ContainerCopy;
  private readonly queries: ContainerQueries;
  private readonly statsReader: ContainerStats;
  private readonly restorer: ContainerRestore;

  constructor(deps: ContainerServiceDeps, store: ContainerStore, hooks: ServiceHooks = defaultServiceHooks()) {
    const ctx = new ContainerContext(deps, store, hooks);
    const volumes = new ContainerVolumes(ctx);
    const health = new ContainerHealth(ctx);
    const execs = new ContainerExecs(ctx);
    const removal = new ContainerRemoval(ctx, volumes, execs);
    const supervisor = new ContainerSupervisor(ctx, volumes, health, removal);
    this.ctx = ctx;
    this.execs = execs;
    this.creator = new ContainerCreator(ctx, volumes);
    this.lifecycle = new ContainerLifecycle(ctx, supervisor, removal);
    this.attachments = new ContainerAttach(ctx);
    this.copy = new ContainerCopy(ctx);
    this.queries = new ContainerQueries(ctx, execs);
    this.statsReader = new ContainerStats(ctx);
    this.restorer = new ContainerRestore(ctx, supervisor, health, removal, execs);
  }

  // lifecycle (container-create.ts, container-lifecycle.ts, container-update.ts)

  create(body: ContainerCreateRequest, opts?: CreateOptions): Promise<ContainerCreateResponse> {
    return this.creator.create(body, opts);
  }

  start(ref: string, signal?: AbortSignal): Promise<void> {
    return this.lifecycle.start(ref, signal);
  }

  stop(ref: string, opts?: StopOptions): Promise<void> {
    return this.lifecycle.stop(ref, opts);
  }

  restart(ref: string, opts?: StopOptions): Promise<void> {
    return this.lifecycle.restart(ref, opts);
  }

  kill(ref: string, signal?: string): Promise<void> {
    return this.lifecycle.kill(ref, signal);
  }

  wait(ref: string, condition?: WaitCondition | string, signal?: AbortSignal): Promise<WaitHandle> {
    return this.lifecycle.wait(ref, condition, signal);
  }

  pause(ref: string): Promise<void> {
    return this.lifecycle.pause(ref);
  }

  unpause(ref: string): Promise<void> {
    return this.lifecycle.unpause(ref);
  }

  remove(ref: string, opts?: RemoveOptions): Promise<void> {
    return this.lifecycle.remove(ref, opts);
  }

  prune(filters?: Filters): Promise<ContainerPruneReport> {
    return this.lifecycle.prune(filters);
  }

  rename(ref: string, newName: string): Promise<void> {
    return this.lifecycle.rename(ref, newName);
  }

  update(ref: string, body: unknown, opts?: UpdateOptions): Promise<{ Warnings: string[] | null }> {
    return updateContainer(this.ctx, ref, body, opts);
  }

  // streams (container-attach.ts)

  attach(ref: string, opts: AttachOptions): Promise<Attachment> {
    return this.attachments.attach(ref, opts);
  }

  logs(ref: string, opts: LogsOptions): Promise<LogsStream> {
    return this.attachments.logs(ref, opts);
  }

  resize(ref: string, height: number, width: number): Promise<void> {
    return this.attachments.resize(ref, height, width);
  }

  // exec (container-exec.ts)

  execCreate(ref: string, body: unknown): Promise<{ Id: string }> {
    return this.execs.execCreate(ref, body);
  }

  execStart(execId: string, opts?: { detach?: boolean; tty?: boolean; consoleSize?: { height: number; width: number } }): Promise<Attachment | undefined> {
    return this.execs.execStart(execId, opts);
  }

  execInspect(execId: string): Promise<ExecInspect> {
    return this.execs.execInspect(execId);
  }

  execResize(execId: string, height: number, width: number): Promise<void> {
    return this.execs.execResize(execId, height, width);
  }

  // filesystem (container-copy.ts, container-commit.ts)

  export(ref: string, signal?: AbortSignal): Promise<Readable> {
    return this.copy.export(ref, signal);
  }

  archiveStat(ref: string, containerPath: string): Promise<PathStat> {
    return this.copy.archiveStat(ref, containerPath);
  }

  archiveGet(ref: string, containerPath: string): Promise<{ stat: PathStat; tar: Readable }> {
    return this.copy.archiveGet(ref, containerPath);
  }

  archivePut(ref: string, containerPath: string, input: Readable, opts?: { noOverwriteDirNonDir?: boolean; copyUIDGID?: boolean; signal?: AbortSignal }): Promise<void> {
    return this.copy.archivePut(ref, containerPath, input, opts);
  }

  mountRootfs(ref: string): Promise<{ path: string; release(): Promise<void> }> {
    return this.copy.mountRootfs(ref);
  }

  commit(ref: string, opts: CommitOptions): Promise<{ Id: string }> {
    return commitContainer(this.ctx, this.lifecycle, ref, opts);
  }

  // queries (container-queries.ts, container-stats.ts)

  list(opts?: ListOptions): Promise<ContainerSummary[]> {
    return this.queries.list(opts);
  }

  inspect(ref: string, opts?: { size?: boolean }): Promise<ContainerInspect> {
    return this.queries.inspect(ref, opts);
  }

  changes(ref: string): Promise<ContainerChange[] | null> {
    return this.queries.changes(ref);
  }

  get(ref: string): Promise<ContainerRecord> {
    return this.queries.get(ref);
  }

  imageUsers(imageId: string): Promise<ContainerImageUser[]> {
    return this.queries.imageUsers(imageId);
  }

  counts(): Promise<ContainerCounts> {
    return this.queries.counts();
  }

  top(ref: string, psArgs?: string): Promise<{ Titles: string[]; Processes: string[][] }> {
    return this.statsReader.top(ref, psArgs);
  }

  stats(ref: string, opts: { stream: boolean; oneShot?: boolean; signal?: AbortSignal }): Promise<AsyncIterable<Record<string, unknown>>> {
    return this.statsReader.stats(ref, opts);
  }

  // networks (container-networking.ts)

  networkConnect(network: string, container: string, endpointConfig?: EndpointSettings): Promise<void> {
    return this.ctx.networking.connect(network, container, endpointConfig);
  }

  networkDisconnect(network: string, container: string, force?: boolean): Promise<void> {
    return this.ctx.networking.disconnect(network, container, force);
  }

  // daemon start / stop (container-restore.ts)

  restore(): Promise<void> {
    return this.restorer.restore();
  }

  shutdown(): Promise<void> {
    return this.restorer.shutdown();
  }

  // builds (CreateOptions.build)

  buildLeftovers(): string[] {
    return [...this.ctx.entries.values()].filter((e) => e.rec.build !== undefined).map((e) => e.rec.id);
  }

  async endBuild(build: string): Promise<void> {
    await this.ctx.store.endBuild(build);
    for (const e of this.ctx.entries.values()) if (e.rec.build === build) delete e.rec.build;
  }
}
