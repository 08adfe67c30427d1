import { type Duplex, PassThrough, type Readable } from 'node:stream';
import { compareApiVersions, decodePathStat, type ContainerPathStat, type ContainerCreateRequest, type ContainerCreateResponse, type ContainerInspect, type ContainerPruneReport, type ContainerSummary, type ContainerWaitResponse } from '@berth/api';
import { InternalError } from '@berth/errdefs';
import type { ApiConnection } from './api-connection';
import { type DemuxedStreams, demultiplex } from './demux';
import { optionalFilters } from './filters';
import { readAll } from './node-http-transport';

export interface ContainerListOptions {
  all?: boolean;
  limit?: number;
  size?: boolean;
  filters?: Record<string, string[]>;
  signal?: AbortSignal;
}

/** `X-Docker-Container-Path-Stat` (@berth/api's ContainerPathStat). */
export type PathStat = ContainerPathStat;

function pathStatOf(h: string | string[] | undefined): PathStat {
  try {
    return decodePathStat(h) ?? { name: '', size: 0, mode: 0, mtime: '', linkTarget: '' };
  } catch {
    throw new InternalError('archive: bad X-Docker-Container-Path-Stat header');
  }
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

/**
 * A wait in progress. `wait()` resolves once the daemon has sent the response headers (docker
 * run must not start the container before that); `result` resolves when the condition is met.
 */
export interface ContainerWait {
  result: Promise<ContainerWaitResponse>;
  /** Gives up waiting (closes the connection); `result` then rejects. */
  cancel(): void;
}

export interface AttachOptions {
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  logs?: boolean;
  stream?: boolean;
  detachKeys?: string;
  /** The container's Config.Tty: raw output instead of multiplexed frames. */
  tty?: boolean;
  signal?: AbortSignal;
}

/** An attached container: output streams, and stdin when asked for. */
export interface AttachedContainer {
  /** The hijacked socket (write stdin to it; `end()` it for stdin EOF). */
  socket: Duplex;
  /** Without a TTY, the demultiplexed streams; with one, stdout is the raw stream and stderr stays empty. */
  stdout: Readable;
  stderr: Readable;
  /** Closes the connection. */
  close(): void;
}

export interface LogsOptions {
  follow?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  since?: string;
  until?: string;
  timestamps?: boolean;
  tail?: string;
  signal?: AbortSignal;
}

/** Container calls: create, list, inspect, lifecycle, wait, attach, logs, remove, export, rename, prune. */
export class ContainersClient {
  constructor(private readonly api: ApiConnection) {}

  create(body: ContainerCreateRequest, o: { name?: string; platform?: string; signal?: AbortSignal } = {}): Promise<ContainerCreateResponse> {
    return this.api.json<ContainerCreateResponse>('POST', '/containers/create', {
      query: { name: o.name || undefined, platform: o.platform || undefined },
      json: body,
      signal: o.signal,
    });
  }

  async list(o: ContainerListOptions = {}): Promise<ContainerSummary[]> {
    const r = await this.api.json<ContainerSummary[] | null>('GET', '/containers/json', {
      query: {
        all: o.all || undefined,
        limit: o.limit !== undefined && o.limit > 0 ? o.limit : undefined,
        size: o.size || undefined,
        filters: optionalFilters(o.filters),
      },
      signal: o.signal,
    });
    return r ?? [];
  }

  inspect(id: string, o: { size?: boolean; signal?: AbortSignal } = {}): Promise<ContainerInspect> {
    return this.api.json<ContainerInspect>('GET', `/containers/${id}/json`, { query: { size: o.size || undefined }, signal: o.signal });
  }

  start(id: string, o: { detachKeys?: string; signal?: AbortSignal } = {}): Promise<void> {
    return this.api.empty('POST', `/containers/${id}/start`, { query: { detachKeys: o.detachKeys }, signal: o.signal });
  }

  /** `stopSignal`: the signal to stop with (`signal=`, sent from API 1.42 on, as docker's client); `signal` aborts the call. */
  async stop(id: string, o: { timeout?: number; stopSignal?: string; signal?: AbortSignal } = {}): Promise<void> {
    return this.api.empty('POST', `/containers/${id}/stop`, { query: { signal: await this.stopSignalQuery(o.stopSignal, o.signal), t: o.timeout }, signal: o.signal });
  }

  async restart(id: string, o: { timeout?: number; stopSignal?: string; signal?: AbortSignal } = {}): Promise<void> {
    return this.api.empty('POST', `/containers/${id}/restart`, { query: { signal: await this.stopSignalQuery(o.stopSignal, o.signal), t: o.timeout }, signal: o.signal });
  }

  private async stopSignalQuery(stopSignal: string | undefined, abort?: AbortSignal): Promise<string | undefined> {
    if (!stopSignal) return undefined;
    return compareApiVersions(await this.api.version(abort), '1.42') >= 0 ? stopSignal : undefined;
  }

  kill(id: string, o: { signal?: string; abortSignal?: AbortSignal } = {}): Promise<void> {
    return this.api.empty('POST', `/containers/${id}/kill`, { query: { signal: o.signal || undefined }, signal: o.abortSignal });
  }

  /** `POST /containers/{id}/wait`: resolves at header time; see ContainerWait. */
  async wait(id: string, o: { condition?: WaitCondition; signal?: AbortSignal } = {}): Promise<ContainerWait> {
    const res = await this.api.call('POST', `/containers/${id}/wait`, { query: { condition: o.condition }, signal: o.signal });
    const result = readAll(res.body).then((b) => {
      const text = b.toString('utf8').trim();
      if (text === '') throw new InternalError(`wait ${id}: connection closed before the result`);
      return JSON.parse(text) as ContainerWaitResponse;
    });
    result.catch(() => undefined);
    return { result, cancel: () => res.body.destroy() };
  }

  /** `POST /containers/{id}/attach` on a hijacked connection. */
  async attach(id: string, o: AttachOptions = {}): Promise<AttachedContainer> {
    const conn = await this.api.hijack('POST', `/containers/${id}/attach`, {
      query: {
        detachKeys: o.detachKeys,
        logs: o.logs || undefined,
        stderr: o.stderr ?? true,
        stdin: o.stdin || undefined,
        stdout: o.stdout ?? true,
        stream: o.stream ?? true,
      },
      signal: o.signal,
    });
    const socket = conn.socket;
    let out: DemuxedStreams | { stdout: Readable; stderr: Readable };
    if (o.tty) {
      const empty = new PassThrough();
      socket.on('end', () => empty.end());
      socket.on('close', () => empty.end());
      out = { stdout: socket, stderr: empty };
    } else out = demultiplex(socket);
    return { socket, stdout: out.stdout, stderr: out.stderr, close: () => socket.destroy() };
  }

  /** `GET /containers/{id}/logs`: the raw body (multiplexed unless the container has a TTY); see `demultiplex`. */
  logs(id: string, o: LogsOptions = {}): Promise<Readable> {
    return this.api.stream('GET', `/containers/${id}/logs`, {
      query: {
        follow: o.follow || undefined,
        since: o.since,
        stderr: o.stderr ?? true,
        stdout: o.stdout ?? true,
        tail: o.tail ?? 'all',
        timestamps: o.timestamps || undefined,
        until: o.until,
      },
      signal: o.signal,
    });
  }

  /**
   * The logs as two streams: demultiplexed stdout and stderr, or (for a TTY container, whose log
   * is raw) everything on stdout. Pass the container's Config.Tty; docker reads it from inspect.
   */
  async logStreams(id: string, o: LogsOptions & { tty?: boolean } = {}): Promise<{ stdout: Readable; stderr: Readable }> {
    const body = await this.logs(id, o);
    if (!o.tty) return demultiplex(body);
    const stderr = new PassThrough();
    body.on('end', () => stderr.end());
    body.on('close', () => stderr.end());
    return { stdout: body, stderr };
  }

  remove(id: string, o: { force?: boolean; volumes?: boolean; link?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    return this.api.empty('DELETE', `/containers/${id}`, {
      query: { force: o.force || undefined, link: o.link || undefined, v: o.volumes || undefined },
      signal: o.signal,
    });
  }

  /** `GET /containers/{id}/export`: a tar of the container's filesystem. */
  export(id: string, signal?: AbortSignal): Promise<Readable> {
    return this.api.stream('GET', `/containers/${id}/export`, { signal });
  }

  rename(id: string, name: string, signal?: AbortSignal): Promise<void> {
    return this.api.empty('POST', `/containers/${id}/rename`, { query: { name }, signal });
  }

  /** `POST /commit?container=..`: the new image's ID. The repository goes normalised (`docker.io/library/x`). */
  async commit(
    id: string,
    o: { repo?: string; tag?: string; author?: string; comment?: string; changes?: string[]; pause?: boolean; signal?: AbortSignal } = {},
  ): Promise<string> {
    const r = await this.api.json<{ Id: string }>('POST', '/commit', {
      query: {
        author: o.author || undefined,
        changes: o.changes?.length ? o.changes : undefined,
        comment: o.comment || undefined,
        container: id,
        pause: o.pause === false ? false : undefined,
        repo: o.repo || undefined,
        tag: o.tag || undefined,
      },
      signal: o.signal,
    });
    return r.Id;
  }

  /** `GET /containers/{id}/stats?stream=0`: one sample (with `precpu_stats` for the CPU delta). */
  stats(id: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
    return this.api.json('GET', `/containers/${id}/stats`, { query: { stream: false }, signal });
  }

  /** `GET /containers/{id}/stats?stream=1`: a sample about every second, until the container stops or `signal` aborts. */
  async statsStream(id: string, signal?: AbortSignal): Promise<AsyncIterable<Record<string, unknown>>> {
    return (await this.api.messages('GET', `/containers/${id}/stats`, { query: { stream: true }, signal })) as unknown as AsyncIterable<Record<string, unknown>>;
  }

  /** `POST /containers/{id}/update`: resources and restart policy; answers `{Warnings}`. */
  update(id: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<{ Warnings: string[] | null }> {
    return this.api.json('POST', `/containers/${id}/update`, { json: body, signal });
  }

  /** `HEAD /containers/{id}/archive?path=..`: the path's stat (NotFoundError if missing). */
  async archiveStat(id: string, path: string, signal?: AbortSignal): Promise<PathStat> {
    const res = await this.api.call('HEAD', `/containers/${id}/archive`, { query: { path }, signal });
    res.body.resume();
    return pathStatOf(res.headers['x-docker-container-path-stat']);
  }

  /** `GET /containers/{id}/archive?path=..`: a tar whose entries start with the path's basename, and its stat. */
  async getArchive(id: string, path: string, signal?: AbortSignal): Promise<{ stat: PathStat; tar: Readable }> {
    const res = await this.api.call('GET', `/containers/${id}/archive`, { query: { path }, signal });
    return { stat: pathStatOf(res.headers['x-docker-container-path-stat']), tar: res.body };
  }

  /** `PUT /containers/{id}/archive?path=DIR`: extracts `tar` into the directory DIR (body sent as text/plain, like the CLI). */
  putArchive(id: string, path: string, tar: Readable, o: { noOverwriteDirNonDir?: boolean; copyUIDGID?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    return this.api.empty('PUT', `/containers/${id}/archive`, {
      query: { copyUIDGID: o.copyUIDGID ? 'true' : undefined, noOverwriteDirNonDir: o.noOverwriteDirNonDir === false ? undefined : 'true', path },
      body: tar,
      contentType: 'text/plain',
      signal: o.signal,
    });
  }

  pause(id: string, signal?: AbortSignal): Promise<void> {
    return this.api.empty('POST', `/containers/${id}/pause`, { signal });
  }

  unpause(id: string, signal?: AbortSignal): Promise<void> {
    return this.api.empty('POST', `/containers/${id}/unpause`, { signal });
  }

  /** `GET /containers/{id}/top[?ps_args=..]`: every value a string. */
  top(id: string, o: { psArgs?: string; signal?: AbortSignal } = {}): Promise<{ Titles: string[]; Processes: string[][] }> {
    return this.api.json('GET', `/containers/${id}/top`, { query: { ps_args: o.psArgs || undefined }, signal: o.signal });
  }

  /** `GET /containers/{id}/changes`: Kind 0 modified, 1 added, 2 deleted. */
  async changes(id: string, signal?: AbortSignal): Promise<{ Path: string; Kind: number }[]> {
    return (await this.api.json<{ Path: string; Kind: number }[] | null>('GET', `/containers/${id}/changes`, { signal })) ?? [];
  }

  resize(id: string, height: number, width: number, signal?: AbortSignal): Promise<void> {
    return this.api.empty('POST', `/containers/${id}/resize`, { query: { h: height, w: width }, signal });
  }

  prune(o: { filters?: Record<string, string[]>; signal?: AbortSignal } = {}): Promise<ContainerPruneReport> {
    return this.api.json<ContainerPruneReport>('POST', '/containers/prune', { query: { filters: optionalFilters(o.filters) }, signal: o.signal });
  }
}
