import type { Duplex, Readable } from 'node:stream';
import type {
  ContainerCreateRequest,
  ContainerCreateResponse,
  ContainerInspect,
  ContainerPruneReport,
  ContainerSummary,
  ContainerWaitResponse,
  EndpointSettings,
  Filters,
} from '@berth/api';
import type { ContainerRecord } from './container-record';
import type { PathStat } from './container-archive';
import type { ContainerChange } from './container-changes';
import type { ExecInspect } from './exec-session';

/** `POST /containers/{id}/wait?condition=`: docker's three conditions; '' means not-running. */
export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export interface CreateOptions {
  /** `?name=` (with or without the leading '/'); a random adjective_surname when absent. */
  name?: string;
  /** `?platform=`; only the host platform is accepted. */
  platform?: string;
  /**
   * berthd's builder only (no API parameter): the build in progress this intermediate container
   * belongs to, stored with the container's row in the same transaction. A restart removes every
   * container still marked (a build cut by a crash); `endBuild` unmarks the ones a build keeps.
   */
  build?: string;
  /** API 1.44: NetworkingConfig.EndpointsConfig may name several networks, all joined (refused below). */
  multipleNetworks?: boolean;
  /** The create request's API version, kept with the container (its health check's start-period pace: health-monitor.ts). */
  apiVersion?: string;
  /**
   * berthd's builder (no API parameter): the container must have no image (Config.Image '', an
   * empty root), for a step after `FROM scratch`, as moby's builder makes one: a metadata step's
   * is committed, never started; a RUN's start fails (nothing to run in an empty root). The API
   * makes the same image-less container for an empty or missing Config.Image (Docker 20.10).
   */
  noImage?: boolean;
}

export interface StopOptions {
  /** Seconds to wait after the stop signal before SIGKILL; default Config.StopTimeout or 10; -1 waits forever. */
  timeout?: number;
  /** Overrides the container's stop signal (API 1.42 `signal`; accepted here too). */
  signal?: string;
}

export interface UpdateOptions {
  /** False below API 1.40: the body's PidsLimit is decoded, then dropped (moby's postContainerUpdate). */
  pidsLimit?: boolean;
}

export interface RemoveOptions {
  /** Kill a running container first. */
  force?: boolean;
  /** Remove anonymous volumes (accepted; berth has no anonymous volumes yet). */
  volumes?: boolean;
  /** `link=1`: remove a link; berth has no links (400). */
  link?: boolean;
}

export interface AttachOptions {
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  /** Follow live output (until the process exits). */
  stream?: boolean;
  /** Replay the json-file log first. */
  logs?: boolean;
  /** The `detachKeys` query parameter (docker's format; empty: ctrl-p,ctrl-q). */
  detachKeys?: string;
}

/**
 * An attach, checked and ready: the route hijacks the connection only after `attach()` resolved
 * (so a missing container is still a plain 404), then hands the raw connection to `connect`.
 */
export interface Attachment {
  /** Raw bytes when true, multiplexed frames when false. */
  readonly tty: boolean;
  /**
   * Streams output into `conn` (and stdin from it, when asked) and ends `conn` once the process
   * has exited and its output is flushed (or at once for logs-only attaches). A FIN from the
   * client only closes the container's stdin. Resolves when the attach is over.
   */
  connect(conn: Duplex): Promise<void>;
}

export interface LogsOptions {
  stdout?: boolean;
  stderr?: boolean;
  follow?: boolean;
  /** Unix seconds (may be fractional) or RFC3339; 0 / '' = from the start. */
  since?: string | number;
  until?: string | number;
  timestamps?: boolean;
  /** Number of lines, or 'all'. */
  tail?: number | 'all';
  /** Aborted when the client goes away. */
  signal?: AbortSignal;
}

export interface LogsStream {
  /** Raw bytes when true, multiplexed frames when false. */
  readonly tty: boolean;
  /** One Buffer per log entry (one frame each for Tty=false), in the original order. */
  readonly chunks: AsyncIterable<Buffer>;
}

export interface ListOptions {
  all?: boolean;
  /** > 0: only the N newest (stopped ones included, as docker does). */
  limit?: number;
  size?: boolean;
  filters?: Filters;
}

/** A started wait: the route flushes its headers once this exists, then awaits `result`. */
export interface WaitHandle {
  readonly result: Promise<ContainerWaitResponse>;
}

/** Who uses an image (for the image helper's rmi / prune conflict checks). */
export interface ContainerImageUser {
  id: string;
  running: boolean;
}

/** `POST /commit`: the query of docker commit. */
export interface CommitOptions {
  /** Fully normalised repository (`docker.io/library/x`) or '' for an untagged image. */
  repo?: string;
  tag?: string;
  author?: string;
  comment?: string;
  /** Dockerfile-like changes (`ENV A=1`, `CMD ["sh"]`), already split per instruction. */
  changes?: string[];
  /** Pause a running container while committing (docker's default: true). */
  pause?: boolean;
  /** A Config given in the request body; its set fields win over the container's. */
  config?: Record<string, unknown>;
  signal?: AbortSignal;
}

/** Counts for `GET /info`. */
export interface ContainerCounts {
  total: number;
  running: number;
  paused: number;
  stopped: number;
}

/**
 * The container half of the daemon: every container operation of the Engine API, on top of the
 * container table, the image store's snapshots and the runtime's tasks. Container references
 * (`ref`) are a full ID, a name (with or without '/') or a unique ID prefix; an unknown ref is a
 * NotFoundError `No such container: <ref>`. Errors are errdefs kinds with docker's messages.
 */
export interface ContainerService {
  create(body: ContainerCreateRequest, opts?: CreateOptions): Promise<ContainerCreateResponse>;
  /** NotModifiedError (304) when already running. */
  start(ref: string, signal?: AbortSignal): Promise<void>;
  /** Resolves once the container has stopped. NotModifiedError (304) when it was not running. */
  stop(ref: string, opts?: StopOptions): Promise<void>;
  restart(ref: string, opts?: StopOptions): Promise<void>;
  /** Signal names with or without SIG, or numbers; default KILL. 409 when not running. */
  kill(ref: string, signal?: string): Promise<void>;
  /** Checks the container and registers the waiter at once; the result settles on the condition. */
  wait(ref: string, condition?: WaitCondition | string, signal?: AbortSignal): Promise<WaitHandle>;
  attach(ref: string, opts: AttachOptions): Promise<Attachment>;
  logs(ref: string, opts: LogsOptions): Promise<LogsStream>;
  /**
   * `docker update`: resources (non-zero fields) and the restart policy. A running (or paused)
   * container gets the limits live first (a refusal is a 500 and nothing is stored); a stopped one
   * has them from its next start.
   */
  update(ref: string, body: unknown, opts?: UpdateOptions): Promise<{ Warnings: string[] | null }>;
  /** Freezes every process of a running container (409 otherwise). */
  pause(ref: string): Promise<void>;
  /** Thaws a paused container (500 `Container <id> is not paused` otherwise, as docker). */
  unpause(ref: string): Promise<void>;
  /** Resizes the TTY (no-op without one). */
  resize(ref: string, height: number, width: number): Promise<void>;
  remove(ref: string, opts?: RemoveOptions): Promise<void>;
  /** A tar of the container's root filesystem. */
  export(ref: string, signal?: AbortSignal): Promise<Readable>;
  list(opts?: ListOptions): Promise<ContainerSummary[]>;
  inspect(ref: string, opts?: { size?: boolean }): Promise<ContainerInspect>;
  rename(ref: string, newName: string): Promise<void>;
  prune(filters?: Filters): Promise<ContainerPruneReport>;

  /** `POST /containers/{id}/exec`: 409 unless running; 400 for a bad body. */
  execCreate(ref: string, body: unknown): Promise<{ Id: string }>;
  /**
   * `POST /exec/{id}/start`. Detached: runs the process and resolves (errors are HTTP errors).
   * Attached: checks, then returns an Attachment whose connect() runs the process on the hijacked
   * connection; a process that cannot start writes docker's error text into the stream, exit 126.
   */
  execStart(execId: string, opts?: { detach?: boolean; tty?: boolean; consoleSize?: { height: number; width: number } }): Promise<Attachment | undefined>;
  execInspect(execId: string): Promise<ExecInspect>;
  execResize(execId: string, height: number, width: number): Promise<void>;

  /** `docker top`: the container's processes from the host's `ps` (default `-ef`); 409 unless running. */
  top(ref: string, psArgs?: string): Promise<{ Titles: string[]; Processes: string[][] }>;
  /**
   * `docker stats`: stream=false gives one message (two samples 1 s apart, as docker; `oneShot`
   * skips the wait), stream=true one message a second until `signal` aborts or the container stops.
   */
  stats(ref: string, opts: { stream: boolean; oneShot?: boolean; signal?: AbortSignal }): Promise<AsyncIterable<Record<string, unknown>>>;

  /** `HEAD /containers/{id}/archive`: the stat of a container path (404 when missing). */
  archiveStat(ref: string, containerPath: string): Promise<PathStat>;
  /** `GET /containers/{id}/archive`: the stat and a tar of a container path (entries named from its basename). */
  archiveGet(ref: string, containerPath: string): Promise<{ stat: PathStat; tar: Readable }>;
  /** `PUT /containers/{id}/archive?path=DIR`: unpacks a tar into DIR of the container. */
  archivePut(ref: string, containerPath: string, input: Readable, opts?: { noOverwriteDirNonDir?: boolean; copyUIDGID?: boolean; signal?: AbortSignal }): Promise<void>;
  /** `docker commit`: the container's changes become a child image of its image; returns its ID. */
  commit(ref: string, opts: CommitOptions): Promise<{ Id: string }>;
  /** `docker diff`: what the container changed in its image; null when nothing. */
  changes(ref: string): Promise<ContainerChange[] | null>;

  /** The stored record (a copy) of a container: for commit, cp. */
  get(ref: string): Promise<ContainerRecord>;
  /** The rootfs path of a container, mounted (for cp / commit of a stopped container); call release() after. */
  mountRootfs(ref: string): Promise<{ path: string; release(): Promise<void> }>;
  /** Containers whose image is `imageId` (`sha256:...`). */
  imageUsers(imageId: string): Promise<ContainerImageUser[]>;
  counts(): Promise<ContainerCounts>;

  /** Daemon start: reloads every container, reconnects to live tasks, settles the rest truthfully. */
  restore(): Promise<void>;
  /** `POST /networks/{id}/connect`: a created container remembers it, a running one joins at once. */
  networkConnect(network: string, container: string, endpointConfig?: EndpointSettings): Promise<void>;
  /** `POST /networks/{id}/disconnect`. */
  networkDisconnect(network: string, container: string, force?: boolean): Promise<void>;
  /** Daemon stop: detaches from live tasks (they keep running under their shims). */
  shutdown(): Promise<void>;
  /** The containers of builds cut by a crash (CreateOptions.build): call at start, after restore. */
  buildLeftovers(): string[];
  /** A build ended: the containers it made and kept lose their mark (docker keeps them). */
  endBuild(build: string): Promise<void>;
}
