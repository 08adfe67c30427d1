import type { Duplex } from 'node:stream';
import type { ContainerCreateRequest, ContainerCreateResponse, ContainerInspect, ContainerSummary, Filters } from '@berth/api';

/**
 * What the CRI server needs from the daemon, cut by role. The daemon (the composition root)
 * passes adapters over its image store, puller and container service; the CRI package never
 * imports them, and never speaks the Engine API over HTTP.
 */

/** An image as the CRI shows it (references fully qualified: `docker.io/library/busybox:latest`). */
export interface CriImage {
  /** `sha256:<hex>` of the config. */
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
  /** The config's `User` (`1000`, `nobody`, `1000:1000`, '' for root). */
  user: string;
}

export interface CriImageBackend {
  /** Pulls `reference` (mirrors honoured); `authHeader` is an `X-Registry-Auth` value. */
  pull(reference: string, opts: { authHeader?: string; signal?: AbortSignal }): Promise<{ imageId: string }>;
  list(): Promise<CriImage[]>;
  /** By reference or ID; undefined when absent. */
  find(ref: string): Promise<CriImage | undefined>;
  /** Removes the image and every reference to it (NotFound when absent; Conflict when a container uses it). */
  remove(imageId: string): Promise<void>;
  /** The file system holding the images: for ImageFsInfo. */
  fsUsage(): Promise<{ mountpoint: string; usedBytes: number; inodesUsed: number }>;
  /**
   * Image volumes (CRI Mount.image): mounts image `imageId`'s file system under `key` (lower-case
   * letters, digits, dashes) and gives its host directory; idempotent. Without it, CreateContainer
   * with an image mount answers Unimplemented.
   */
  mountImage?(key: string, imageId: string): Promise<string>;
  /** Unmounts and forgets what mountImage(key) made; nothing when absent. */
  unmountImage?(key: string): Promise<void>;
  /**
   * The writable layer of container `id` (its snapshot's upper dir): for ContainerStats'
   * writable_layer. Undefined when it has none.
   */
  writableLayerUsage?(id: string): Promise<{ mountpoint: string; usedBytes: number; inodesUsed: number } | undefined>;
}

/**
 * A pod's resolv.conf content from its DNSConfig (servers, searches, options as given; the host's
 * file when empty): the daemon hands in @berth/network's one writer of that content.
 */
export type PodResolvConf = (dns: { servers?: string[]; searches?: string[]; options?: string[] } | undefined) => Promise<string>;

/** A started exec, as the container service hands it out. */
export interface CriExecAttachment {
  readonly tty: boolean;
  /** Runs the process with `conn` as its stdio (stdcopy frames unless tty); resolves when it is over. */
  connect(conn: Duplex): Promise<void>;
}

/**
 * The container service, as far as the CRI uses it: Docker-shaped create bodies and views, so
 * every rule of berth's containers (validation, mounts, limits, namespaces) applies to pods too.
 */
export interface CriContainerBackend {
  create(body: ContainerCreateRequest, opts?: { name?: string }): Promise<ContainerCreateResponse>;
  start(ref: string): Promise<void>;
  stop(ref: string, opts?: { timeout?: number; signal?: string }): Promise<void>;
  remove(ref: string, opts?: { force?: boolean; volumes?: boolean }): Promise<void>;
  list(opts?: { all?: boolean; filters?: Filters }): Promise<ContainerSummary[]>;
  inspect(ref: string): Promise<ContainerInspect>;
  update(ref: string, body: unknown): Promise<{ Warnings: string[] | null }>;
  logs(
    ref: string,
    opts: { stdout?: boolean; stderr?: boolean; follow?: boolean; timestamps?: boolean; since?: string | number; signal?: AbortSignal },
  ): Promise<{ readonly tty: boolean; readonly chunks: AsyncIterable<Buffer> }>;
  execCreate(ref: string, body: unknown): Promise<{ Id: string }>;
  execStart(execId: string, opts?: { detach?: boolean; consoleSize?: { height: number; width: number } }): Promise<CriExecAttachment | undefined>;
  execInspect(execId: string): Promise<{ ExitCode: number | null; Running: boolean; Pid: number }>;
  execResize(execId: string, height: number, width: number): Promise<void>;
  /** The container's attach (stdcopy frames unless its TTY); for CRI Attach. */
  attach(ref: string, opts: { stdin?: boolean; stdout?: boolean; stderr?: boolean; stream?: boolean }): Promise<CriExecAttachment>;
  resize(ref: string, height: number, width: number): Promise<void>;
  stats(ref: string, opts: { stream: boolean; oneShot?: boolean; signal?: AbortSignal }): Promise<AsyncIterable<Record<string, unknown>>>;
}
