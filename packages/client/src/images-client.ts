import type { Readable } from 'node:stream';
import {
  type AuthConfig,
  type HistoryResponseItem,
  type ImageDeleteResponseItem,
  type ImageInspect,
  type ImagePruneReport,
  type ImageSummary,
  type JsonMessage,
  encodeRegistryAuth,
} from '@berth/api';
import type { ApiConnection } from './api-connection';
import { optionalFilters as filtersOf } from './filters';

export interface ImageListOptions {
  all?: boolean;
  digests?: boolean;
  filters?: Record<string, string[]>;
  signal?: AbortSignal;
}

export interface ImageImportOptions {
  /** Repository, with the tag inside it as the docker CLI sends it (`repo:tag`). */
  repo?: string;
  tag?: string;
  /** Dockerfile instructions applied to the config (`CMD ["sh"]`, `ENV A=1`). */
  changes?: string[];
  message?: string;
  platform?: string;
  signal?: AbortSignal;
}

export interface ImageBuildOptions {
  /** `-t`, repeated. */
  tags?: string[];
  /** Path of the Dockerfile inside the context (default `Dockerfile`). */
  dockerfile?: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  quiet?: boolean;
  noCache?: boolean;
  forceRm?: boolean;
  /** `--rm=false` sends rm=0; by default nothing is sent and the daemon removes intermediate containers. */
  rm?: boolean;
  pull?: boolean;
  platform?: string;
  /** The other query parameters of the legacy builder (networkmode, extrahosts, memory, ulimits...), as the docker CLI names them. */
  extra?: Record<string, string | number | boolean | string[] | undefined>;
  signal?: AbortSignal;
}

export interface ImagePullOptions {
  fromImage: string;
  tag?: string;
  platform?: string;
  auth?: AuthConfig;
  signal?: AbortSignal;
}

/** One `GET /images/search` result. */
export interface ImageSearchResult {
  name: string;
  description: string;
  star_count: number;
  is_official: boolean;
  is_automated?: boolean;
}

/** Image calls: list, inspect, history, tag, remove, import, load, save, pull, prune. */
export class ImagesClient {
  constructor(private readonly api: ApiConnection) {}

  async list(o: ImageListOptions = {}): Promise<ImageSummary[]> {
    const r = await this.api.json<ImageSummary[] | null>('GET', '/images/json', {
      query: { all: o.all || undefined, digests: o.digests || undefined, filters: filtersOf(o.filters) },
      signal: o.signal,
    });
    return r ?? [];
  }

  inspect(name: string, signal?: AbortSignal): Promise<ImageInspect> {
    return this.api.json<ImageInspect>('GET', `/images/${name}/json`, { signal });
  }

  async history(name: string, signal?: AbortSignal): Promise<HistoryResponseItem[]> {
    return (await this.api.json<HistoryResponseItem[] | null>('GET', `/images/${name}/history`, { signal })) ?? [];
  }

  /** `POST /images/{name}/tag?repo=..&tag=..` (the CLI sends repo normalised). */
  tag(name: string, repo: string, tag?: string, signal?: AbortSignal): Promise<void> {
    return this.api.empty('POST', `/images/${name}/tag`, { query: { repo, tag }, signal });
  }

  async remove(name: string, o: { force?: boolean; noPrune?: boolean; signal?: AbortSignal } = {}): Promise<ImageDeleteResponseItem[]> {
    const r = await this.api.json<ImageDeleteResponseItem[] | null>('DELETE', `/images/${name}`, {
      query: { force: o.force || undefined, noprune: o.noPrune || undefined },
      signal: o.signal,
    });
    return r ?? [];
  }

  /** `POST /images/create?fromSrc=-`: imports a rootfs tar from `source`; the stream ends with `{"status":"sha256:.."}`. */
  import(source: Readable, o: ImageImportOptions = {}): Promise<AsyncIterable<JsonMessage>> {
    return this.api.messages('POST', '/images/create', {
      query: { fromSrc: '-', repo: o.repo, tag: o.tag, changes: o.changes?.length ? o.changes : undefined, message: o.message || undefined, platform: o.platform },
      body: source,
      contentType: 'text/plain',
      signal: o.signal,
    });
  }

  /** `POST /images/create?fromImage=..&tag=..`: a pull, as a message stream. */
  pull(o: ImagePullOptions): Promise<AsyncIterable<JsonMessage>> {
    return this.api.messages('POST', '/images/create', {
      query: { fromImage: o.fromImage, tag: o.tag, platform: o.platform },
      headers: { 'X-Registry-Auth': encodeRegistryAuth(o.auth ?? {}) },
      signal: o.signal,
    });
  }

  /** `POST /images/{name}/push?tag=..`: `name` fully qualified (`docker.io/user/app`), as the CLI sends it. */
  push(name: string, o: { tag?: string; auth?: AuthConfig; signal?: AbortSignal } = {}): Promise<AsyncIterable<JsonMessage>> {
    return this.api.messages('POST', `/images/${name}/push`, {
      query: { tag: o.tag },
      headers: { 'X-Registry-Auth': encodeRegistryAuth(o.auth ?? {}) },
      signal: o.signal,
    });
  }

  /** `POST /build` (legacy builder, `version=1`): the context tar in, a message stream out. */
  build(context: Readable, o: ImageBuildOptions = {}): Promise<AsyncIterable<JsonMessage>> {
    const obj = (m: Record<string, string> | undefined) => (m && Object.keys(m).length ? JSON.stringify(m) : undefined);
    return this.api.messages('POST', '/build', {
      query: {
        buildargs: obj(o.buildArgs),
        dockerfile: o.dockerfile ?? 'Dockerfile',
        forcerm: o.forceRm || undefined,
        labels: obj(o.labels),
        nocache: o.noCache || undefined,
        platform: o.platform || undefined,
        pull: o.pull || undefined,
        q: o.quiet || undefined,
        rm: o.rm === false ? false : undefined,
        t: o.tags?.length ? o.tags : undefined,
        version: '1',
        ...o.extra,
      },
      body: context,
      contentType: 'application/x-tar',
      headers: { 'X-Registry-Config': Buffer.from('{}').toString('base64') },
      signal: o.signal,
    });
  }

  /** `POST /images/load`: a docker-save tar in, a message stream out (`Loaded image: x`). */
  load(source: Readable, o: { quiet?: boolean; signal?: AbortSignal } = {}): Promise<AsyncIterable<JsonMessage>> {
    return this.api.messages('POST', '/images/load', {
      query: { quiet: o.quiet || undefined },
      body: source,
      contentType: 'application/x-tar',
      signal: o.signal,
    });
  }

  /** `GET /images/get?names=..`: a docker-save tar of the images. */
  save(names: string[], signal?: AbortSignal): Promise<Readable> {
    return this.api.stream('GET', '/images/get', { query: { names }, signal });
  }

  /** `GET /images/search`: the daemon asks its registry (Docker Hub) for repositories matching `term`. */
  async search(term: string, o: { limit?: number; filters?: Record<string, string[]>; auth?: AuthConfig; signal?: AbortSignal } = {}): Promise<ImageSearchResult[]> {
    return (
      (await this.api.json<ImageSearchResult[] | null>('GET', '/images/search', {
        query: { term, limit: o.limit || undefined, filters: filtersOf(o.filters) },
        headers: o.auth ? { 'X-Registry-Auth': encodeRegistryAuth(o.auth) } : undefined,
        signal: o.signal,
      })) ?? []
    );
  }

  /** `GET /distribution/{name}/json`: the registry's descriptor of `name` and the platforms it has. */
  distribution(name: string, o: { auth?: AuthConfig; signal?: AbortSignal } = {}): Promise<{ Descriptor: Record<string, unknown>; Platforms: Record<string, unknown>[] | null }> {
    return this.api.json('GET', `/distribution/${name}/json`, { headers: o.auth ? { 'X-Registry-Auth': encodeRegistryAuth(o.auth) } : undefined, signal: o.signal });
  }

  prune(o: { filters?: Record<string, string[]>; signal?: AbortSignal } = {}): Promise<ImagePruneReport> {
    return this.api.json<ImagePruneReport>('POST', '/images/prune', { query: { filters: filtersOf(o.filters) }, signal: o.signal });
  }
}

