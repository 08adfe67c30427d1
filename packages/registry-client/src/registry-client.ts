import { Readable } from 'node:stream';
import { DataLossError, InternalError, InvalidArgumentError, codeOf, messageOf } from '@berth/errdefs';
import {
  type Descriptor,
  type ImageConfig,
  type Index,
  type Manifest,
  type Platform,
  type Reference,
  familiarName,
  familiarString,
  formatReference,
  hostPlatform,
  isDigest,
  isIndexMediaType,
  parseReference,
  sha256Digest,
  withDefaultTag,
} from '@berth/oci';
import type { BlobSink, BlobSource, ProgressCallback } from './blob-sink';
import { readBlob } from './blob-reader';
import { pushBlob, pushStreamedBlob, type PushBlobResult } from './blob-pusher';
import type { CredentialProvider, Credentials } from './credentials';
import { registryEndpoints } from './endpoint';
import { type Logger, silentLogger } from '@berth/log';
import { type FetchedManifest, MANIFEST_ACCEPT, MAX_MANIFEST_SIZE, choosePlatform, manifestMediaType } from './manifest-types';
import { RegistryTransport } from './registry-transport';
import { type RetryPolicy, defaultRetryPolicy } from './retry';
import { runLimited } from './run-limited';

export interface RegistryClientOptions {
  /** Credentials per registry domain; anonymous when absent. */
  credentials?: CredentialProvider;
  /**
   * Insecure registries besides loopback ones (which always are): https without certificate
   * checks first, then plain http, as docker's `insecure-registries`.
   */
  insecureRegistries?: readonly string[];
  /**
   * Mirrors per registry domain (`{"docker.io": ["http://127.0.0.1:5001"]}`), tried in order
   * before the registry itself by `resolve` and `pull`; an http mirror is insecure.
   */
  mirrors?: Readonly<Record<string, readonly string[]>>;
  retry?: Partial<RetryPolicy>;
  /** Blobs moved at once by pull and push (default 3). */
  concurrency?: number;
  /** Push blobs larger than this in PATCH chunks of this size; 0 (default) uploads in one PUT. */
  chunkSize?: number;
  userAgent?: string;
  logger?: Logger;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface ResolveOptions extends CallOptions {
  /** Platform to choose from a manifest list or index (default: this host's). */
  platform?: Platform;
}

/** A reference resolved to one image manifest. */
export interface ResolvedImage {
  reference: Reference;
  /** The index or manifest list the reference named, when it named one. */
  index?: FetchedManifest;
  manifest: FetchedManifest;
  parsed: Manifest;
}

export interface PullOptions extends ResolveOptions {
  onProgress?: ProgressCallback;
  /**
   * Called once the manifest is known, before any blob moves (the daemon prints
   * `Pulling fs layer` for each layer then). An error thrown here aborts the pull.
   */
  onResolved?: (resolved: ResolvedImage) => void | Promise<void>;
}

export interface PullResult extends ResolvedImage {
  config: ImageConfig;
  configBytes: Buffer;
  /** Layers in manifest order, and which of them were already in the sink. */
  layers: Descriptor[];
  skipped: string[];
}

export interface PushOptions extends CallOptions {
  /** Repositories on the same registry to try a cross-repository mount from. */
  mountFrom?: readonly string[];
  onProgress?: ProgressCallback;
}

export interface PushResult {
  digest: string;
  size: number;
  blobs: Record<string, PushBlobResult>;
}

function toReference(ref: Reference | string): Reference {
  return withDefaultTag(typeof ref === 'string' ? parseReference(ref) : ref);
}

async function readAllBounded(s: Readable, limit: number, subject: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of s) {
    const b = c as Buffer;
    n += b.length;
    if (n > limit) {
      s.destroy();
      throw new InvalidArgumentError(`manifest ${subject}: larger than ${limit} bytes`);
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** What a registry index answers to `GET /v1/search`. */
export interface SearchResults {
  num_results?: number;
  query?: string;
  results: { name: string; description?: string; star_count?: number; is_official?: boolean; is_automated?: boolean }[];
}

/** Go's url.QueryEscape. */
function goQueryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** A node connection error as Go's net package words it. */
function goDialError(c: { code?: string; message?: string; address?: string; port?: number }, host: string): string {
  const h = host.replace(/:\d+$/, '');
  if (c.code === 'ENOTFOUND') return `dial tcp: lookup ${h}: no such host`;
  if (c.code === 'EAI_AGAIN') return `dial tcp: lookup ${h}: Temporary failure in name resolution`;
  // node: `connect ECONNREFUSED 127.0.0.1:9`
  const addr = /(?:ECONNREFUSED|ETIMEDOUT) (\S+)/.exec(c.message ?? '')?.[1] ?? (c.address ? `${c.address}:${c.port ?? ''}` : host);
  if (c.code === 'ECONNREFUSED') return `dial tcp ${addr}: connect: connection refused`;
  if (c.code === 'ETIMEDOUT') return `dial tcp ${addr}: i/o timeout`;
  return c.message ?? String(c.code);
}

/**
 * A client of the OCI distribution protocol, for any number of registries: resolves
 * references, pulls into a BlobSink, pushes from a BlobSource.
 */
export class RegistryClient {
  private readonly transports = new Map<string, RegistryTransport>();
  private readonly retry: RetryPolicy;
  private readonly log: Logger;
  private readonly concurrency: number;

  private readonly insecure: string[];

  constructor(private readonly opts: RegistryClientOptions = {}) {
    this.insecure = [...(opts.insecureRegistries ?? [])];
    for (const urls of Object.values(opts.mirrors ?? {})) {
      for (const u of urls) {
        const url = new URL(u);
        if (url.protocol === 'http:') this.insecure.push(url.host);
      }
    }
    this.retry = { ...defaultRetryPolicy, ...(opts.retry ?? {}) };
    this.log = opts.logger ?? silentLogger;
    this.concurrency = Math.max(1, opts.concurrency ?? 3);
  }

  /** The endpoint in use for a registry domain (e.g. `https://127.0.0.1:5000` once TLS answered). */
  endpoint(domain: string): string {
    return this.transport(domain).baseUrl;
  }

  /**
   * The transport (auth state, token cache) of one registry domain: low-level requests for
   * what this class does not wrap. Prefer the methods above (`login` for `docker login`).
   */
  transport(domain: string): RegistryTransport {
    let t = this.transports.get(domain);
    if (!t) {
      const provider = this.opts.credentials;
      t = new RegistryTransport(
        registryEndpoints(domain, this.insecure),
        async () => (provider ? provider(domain) : undefined),
        this.retry,
        this.log,
        this.opts.userAgent ?? 'berth/0.1',
      );
      this.transports.set(domain, t);
    }
    return t;
  }

  /**
   * Checks credentials against a registry as `docker login` does: `GET /v2/`, answering its
   * challenge (basic, or a token with no scope) with these credentials. Throws
   * UnauthorizedError when they are refused; nothing is cached in this client.
   */
  async login(domain: string, credentials: Credentials, options: CallOptions = {}): Promise<{ status: string }> {
    const t = new RegistryTransport(registryEndpoints(domain, this.insecure), async () => credentials, this.retry, this.log, this.opts.userAgent ?? 'berth/0.1');
    await t.request({ method: 'GET', path: '/v2/', scopes: [], subject: { kind: 'registry', name: domain }, ...(options.signal ? { signal: options.signal } : {}) });
    return { status: 'Login Succeeded' };
  }

  /**
   * A search of a registry's index (`GET /v1/search?q=TERM&n=LIMIT`), as dockerd asks it for
   * `GET /images/search`: Docker Hub's index is `index.docker.io`, any other registry is its own
   * index. One try per endpoint (docker does not retry a search); a connection failure reads as
   * Go's (`Get "URL": dial tcp: lookup HOST: no such host`), any other status as docker's
   * `Unexpected status code N`.
   */
  async search(domain: string, term: string, limit: number, options: CallOptions = {}): Promise<SearchResults> {
    const host = domain === 'docker.io' ? 'index.docker.io' : domain;
    const provider = this.opts.credentials;
    const t = new RegistryTransport(registryEndpoints(host, this.insecure), async () => (provider ? provider(domain) : undefined), { ...this.retry, attempts: 1 }, this.log, this.opts.userAgent ?? 'berth/0.1');
    const path = `/v1/search?q=${goQueryEscape(term)}&n=${limit}`;
    // every status but 401 (answered with the credentials) is an answer here
    const accept = Array.from({ length: 300 }, (_, i) => 300 + i).filter((n) => n !== 401);
    let res;
    try {
      res = await t.request({ method: 'GET', path, headers: { 'X-Docker-Token': 'true' }, scopes: [], subject: { kind: 'registry', name: domain }, accept, ...(options.signal ? { signal: options.signal } : {}) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string; address?: string; port?: number } }).cause;
      if (cause && typeof cause.code === 'string') throw new InternalError(`Get "${t.url(path)}": ${goDialError(cause, host)}`, { cause: e });
      throw e;
    }
    if (res.status !== 200) throw new InternalError(`Unexpected status code ${res.status}`);
    try {
      return JSON.parse(res.body.toString('utf8')) as SearchResults;
    } catch (e) {
      throw new InternalError(`error decoding registry search results: ${messageOf(e)}`);
    }
  }

  /**
   * What `GET /distribution/{name}/json` shows: the descriptor the reference resolves to
   * (the index when there is one) and the platforms it offers.
   */
  async inspectDistribution(ref: Reference | string, options: CallOptions = {}): Promise<{ descriptor: Descriptor; platforms: Platform[] }> {
    const r = toReference(ref);
    const m = await this.fetchManifest(r, options);
    const descriptor: Descriptor = { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length };
    if (isIndexMediaType(m.mediaType)) {
      const idx = JSON.parse(m.bytes.toString('utf8')) as Index;
      return { descriptor, platforms: idx.manifests.filter((d) => d.platform).map((d) => d.platform!) };
    }
    const parsed = JSON.parse(m.bytes.toString('utf8')) as Manifest;
    const config = JSON.parse((await this.fetchBlobBytes(r, parsed.config, options)).toString('utf8')) as { os?: string; architecture?: string; variant?: string };
    const p: Platform = { os: config.os ?? '', architecture: config.architecture ?? '' };
    if (config.variant) p.variant = config.variant;
    return { descriptor, platforms: [p] };
  }

  /**
   * Every tag of the reference's repository (`GET /v2/<name>/tags/list`), following the `Link:
   * <...>; rel="next"` pages; at most `limit` (10 000) tags.
   */
  async listTags(ref: Reference | string, options: CallOptions & { limit?: number } = {}): Promise<string[]> {
    const r = toReference(ref);
    const limit = options.limit ?? 10_000;
    const tags: string[] = [];
    let path: string | undefined = `/v2/${r.path}/tags/list`;
    for (let pages = 0; path && tags.length < limit && pages < 1000; pages++) {
      const res = await this.transport(r.domain).request({
        method: 'GET',
        path,
        scopes: [`repository:${r.path}:pull`],
        subject: { kind: 'repository', name: familiarName(r) },
        ...(options.signal ? { signal: options.signal } : {}),
      });
      let body: { tags?: unknown };
      try {
        body = JSON.parse(res.body.toString('utf8')) as { tags?: unknown };
      } catch {
        throw new InvalidArgumentError(`repository ${familiarName(r)}: tags list is not JSON`);
      }
      if (Array.isArray(body.tags)) for (const t of body.tags) if (typeof t === 'string') tags.push(t);
      const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(res.headers['link'] ?? '')?.[1];
      path = next ? new URL(next, 'http://x').pathname + new URL(next, 'http://x').search : undefined;
    }
    return tags.slice(0, limit);
  }

  /**
   * The descriptor a reference points at, from a `HEAD` of its manifest (cheap: lets a caller
   * see that what it has is current without fetching anything). Undefined when the registry
   * gives no `Docker-Content-Digest`.
   */
  async headManifest(ref: Reference | string, options: CallOptions = {}): Promise<Descriptor | undefined> {
    const r = toReference(ref);
    const res = await this.transport(r.domain).request({
      method: 'HEAD',
      path: `/v2/${r.path}/manifests/${r.digest ?? r.tag!}`,
      headers: { Accept: MANIFEST_ACCEPT.join(', ') },
      scopes: [`repository:${r.path}:pull`],
      subject: { kind: 'manifest', name: familiarString(r) },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const digest = res.headers['docker-content-digest'];
    if (!digest || !isDigest(digest)) return undefined;
    return { mediaType: res.headers['content-type']?.split(';')[0]?.trim() ?? '', digest, size: Number(res.headers['content-length'] ?? 0) };
  }

  /** Fetches a manifest or index by tag or digest, bounded to 4 MiB, digest checked. */
  async fetchManifest(ref: Reference | string, options: CallOptions = {}): Promise<FetchedManifest> {
    const r = toReference(ref);
    const target = r.digest ?? r.tag!;
    const name = familiarString(r);
    const res = await this.transport(r.domain).request({
      method: 'GET',
      path: `/v2/${r.path}/manifests/${target}`,
      headers: { Accept: MANIFEST_ACCEPT.join(', ') },
      scopes: [`repository:${r.path}:pull`],
      // buffered, bounded by axios: several ms quicker per request than a stream read here
      maxBytes: MAX_MANIFEST_SIZE,
      subject: { kind: 'manifest', name },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const bytes = res.body;
    const digest = sha256Digest(bytes);
    const expected = r.digest ?? res.headers['docker-content-digest'];
    if (expected && expected.startsWith('sha256:') && expected !== digest) {
      throw new DataLossError(`manifest ${name}: digest mismatch: got ${digest}, expected ${expected}`);
    }
    const { mediaType } = manifestMediaType(bytes, res.headers['content-type'], name);
    return { bytes, mediaType, digest };
  }

  /** The same reference on each mirror of its registry, then on the registry itself. */
  private candidates(r: Reference): Reference[] {
    const mirrors = this.opts.mirrors?.[r.domain] ?? [];
    return [...mirrors.map((u) => ({ ...r, domain: new URL(u).host })), r];
  }

  /** Runs `fn` against each candidate until one succeeds; falls back on errors a mirror may cause. */
  private async withMirrors<T>(r: Reference, signal: AbortSignal | undefined, fn: (c: Reference) => Promise<T>): Promise<T> {
    const cands = this.candidates(r);
    for (let i = 0; ; i++) {
      const c = cands[i]!;
      try {
        return await fn(c);
      } catch (e) {
        const kind = codeOf(e);
        const fallback = ['NOT_FOUND', 'UNAVAILABLE', 'UNAUTHORIZED', 'FORBIDDEN', 'DATA_LOSS'].includes(kind);
        if (i >= cands.length - 1 || !fallback || signal?.aborted) throw e;
        this.log.warn({ mirror: c.domain, err: messageOf(e) }, 'mirror failed, trying the next endpoint');
      }
    }
  }

  /** Resolves a reference to one image manifest, choosing a platform from an index (mirrors first). */
  async resolve(ref: Reference | string, options: ResolveOptions = {}): Promise<ResolvedImage> {
    const r = toReference(ref);
    const out = await this.withMirrors(r, options.signal, (c) => this.resolveAt(c, options));
    return { ...out, reference: r };
  }

  private async resolveAt(r: Reference, options: ResolveOptions): Promise<ResolvedImage> {
    const name = familiarString(r);
    const first = await this.fetchManifest(r, options);
    if (!isIndexMediaType(first.mediaType)) {
      return { reference: r, manifest: first, parsed: JSON.parse(first.bytes.toString('utf8')) as Manifest };
    }
    const index = JSON.parse(first.bytes.toString('utf8')) as Index;
    const pick = choosePlatform(index, options.platform ?? hostPlatform(), name);
    const manifest = await this.fetchManifest({ domain: r.domain, path: r.path, digest: pick.digest }, options);
    if (isIndexMediaType(manifest.mediaType)) throw new InvalidArgumentError(`manifest ${name}: nested index is not supported`);
    return { reference: r, index: first, manifest, parsed: JSON.parse(manifest.bytes.toString('utf8')) as Manifest };
  }

  /** One blob as a stream, digest and size verified, resumed after a dropped connection. */
  fetchBlob(ref: Reference | string, desc: Descriptor, options: CallOptions & { onProgress?: ProgressCallback; verifyDigest?: boolean } = {}): Readable {
    const r = toReference(ref);
    if (!isDigest(desc.digest)) throw new InvalidArgumentError(`blob "${desc.digest}": invalid digest`);
    return readBlob({
      repository: r.path,
      desc,
      transport: this.transport(r.domain),
      retry: this.retry,
      log: this.log,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.verifyDigest === false ? { verifyDigest: false } : {}),
    });
  }

  /** Reads a small blob (a config) whole. */
  async fetchBlobBytes(ref: Reference | string, desc: Descriptor, options: CallOptions = {}): Promise<Buffer> {
    if (desc.size > MAX_MANIFEST_SIZE * 2) throw new InvalidArgumentError(`blob ${desc.digest}: too large to read into memory`);
    const chunks: Buffer[] = [];
    for await (const c of this.fetchBlob(ref, desc, options)) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  /**
   * Pulls an image into a sink: the index (if any), the manifest, the config and every layer
   * (up to `concurrency` at once), skipping what the sink has. Returns the parsed manifest and
   * config for the caller to register the image.
   */
  async pull(ref: Reference | string, sink: BlobSink, options: PullOptions = {}): Promise<PullResult> {
    const r = toReference(ref);
    const out = await this.withMirrors(r, options.signal, (c) => this.pullFrom(c, sink, options));
    return { ...out, reference: r };
  }

  private async pullFrom(r: Reference, sink: BlobSink, options: PullOptions): Promise<PullResult> {
    const resolved = await this.resolveAt(r, options);
    await options.onResolved?.(resolved);
    const m = resolved.parsed;
    const configBytes = await this.fetchBlobBytes(r, m.config, options);
    let config: ImageConfig;
    try {
      config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
    } catch (e) {
      throw new InvalidArgumentError(`image ${formatReference(r)}: config is not JSON: ${messageOf(e)}`);
    }
    const skipped: string[] = [];
    // The first layer that fails stops the others.
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    await runLimited(m.layers, this.concurrency, async (layer) => {
      try {
        if (await sink.has(layer.digest)) {
          skipped.push(layer.digest);
          options.onProgress?.({ digest: layer.digest, current: layer.size, total: layer.size, status: 'exists' });
          return;
        }
        const stream = this.fetchBlob(r, layer, { ...options, signal });
        await sink.ingest(layer, stream, signal);
      } catch (e) {
        stop.abort(e);
        throw e;
      }
    });
    const small: Array<{ desc: Descriptor; bytes: Buffer }> = [{ desc: m.config, bytes: configBytes }];
    small.push({ desc: { mediaType: resolved.manifest.mediaType, digest: resolved.manifest.digest, size: resolved.manifest.bytes.length }, bytes: resolved.manifest.bytes });
    if (resolved.index) {
      small.push({ desc: { mediaType: resolved.index.mediaType, digest: resolved.index.digest, size: resolved.index.bytes.length }, bytes: resolved.index.bytes });
    }
    for (const { desc, bytes } of small) {
      if (!(await sink.has(desc.digest))) await sink.ingest(desc, Readable.from([bytes]), options.signal);
    }
    return { ...resolved, config, configBytes, layers: m.layers, skipped };
  }

  /** Whether the registry has a blob in a repository (`HEAD`, with push scope as a push asks). */
  async blobExists(ref: Reference | string, digest: string, options: CallOptions = {}): Promise<boolean> {
    const r = toReference(ref);
    const res = await this.transport(r.domain).request({
      method: 'HEAD',
      path: `/v2/${r.path}/blobs/${digest}`,
      scopes: [`repository:${r.path}:pull,push`],
      accept: [404],
      subject: { kind: 'blob', name: digest },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return res.status === 200;
  }

  /** The size of a blob in a repository (`HEAD` with pull scope), or undefined when it has none. */
  async statBlob(ref: Reference | string, digest: string, options: CallOptions = {}): Promise<{ size: number } | undefined> {
    const r = toReference(ref);
    const res = await this.transport(r.domain).request({
      method: 'HEAD',
      path: `/v2/${r.path}/blobs/${digest}`,
      scopes: [`repository:${r.path}:pull`],
      accept: [404],
      subject: { kind: 'blob', name: digest },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (res.status !== 200) return undefined;
    const size = Number(res.headers['content-length']);
    if (!Number.isSafeInteger(size) || size < 0) throw new InvalidArgumentError(`blob ${digest}: registry gave no size`);
    return { size };
  }

  /** Uploads one blob unless the registry has it; tries a mount first. */
  async pushBlob(ref: Reference | string, desc: Descriptor, source: BlobSource, options: PushOptions = {}): Promise<PushBlobResult> {
    const r = toReference(ref);
    return pushBlob({
      repository: r.path,
      desc,
      source,
      transport: this.transport(r.domain),
      chunkSize: this.opts.chunkSize ?? 0,
      mountFrom: options.mountFrom ?? [],
      retry: this.retry,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /**
   * Uploads a blob made while it is sent (its digest known only at the end: `made` resolves with
   * the digest and size once `body` has been read through); see pushStreamedBlob. With `again`
   * (the producer's copy) a stream that fails on the way is uploaded again from that copy.
   * Resolves with the digest.
   */
  async pushBlobStream(
    ref: Reference | string,
    name: string,
    body: Readable,
    made: Promise<{ digest: string; size: number }>,
    options: CallOptions & { again?: BlobSource; onProgress?: ProgressCallback } = {},
  ): Promise<string> {
    const r = toReference(ref);
    return pushStreamedBlob({
      repository: r.path,
      transport: this.transport(r.domain),
      name,
      body,
      made,
      retry: this.retry,
      ...(options.again ? { again: options.again } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** PUTs a manifest under the reference's tag (or digest); returns the registry's digest. */
  async pushManifest(ref: Reference | string, bytes: Buffer, mediaType: string, options: CallOptions = {}): Promise<string> {
    const r = toReference(ref);
    if (bytes.length > MAX_MANIFEST_SIZE) throw new InvalidArgumentError(`manifest ${formatReference(r)}: larger than ${MAX_MANIFEST_SIZE} bytes`);
    const digest = sha256Digest(bytes);
    const res = await this.transport(r.domain).request({
      method: 'PUT',
      path: `/v2/${r.path}/manifests/${r.tag ?? r.digest ?? digest}`,
      headers: { 'Content-Type': mediaType },
      body: bytes,
      scopes: [`repository:${r.path}:pull,push`],
      subject: { kind: 'manifest', name: formatReference(r) },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const answered = res.headers['docker-content-digest'];
    if (answered && answered !== digest) throw new DataLossError(`manifest ${formatReference(r)}: registry stored ${answered}, sent ${digest}`);
    return digest;
  }

  /**
   * Pushes an image: every blob the manifest names (skipping those the registry has,
   * mounting where it can), child manifests of an index by digest, then the root manifest by
   * the reference's tag. `root` is the manifest or index as stored locally.
   */
  async push(ref: Reference | string, root: { bytes: Buffer; mediaType: string }, source: BlobSource, options: PushOptions = {}): Promise<PushResult> {
    const r = toReference(ref);
    const name = formatReference(r);
    const blobs: Record<string, PushBlobResult> = {};
    const pushOne = async (bytes: Buffer, mediaType: string, depth: number): Promise<void> => {
      const { mediaType: mt, doc } = manifestMediaType(bytes, mediaType, name);
      if (isIndexMediaType(mt)) {
        if (depth > 0) throw new InvalidArgumentError(`manifest ${name}: nested index is not supported`);
        for (const child of (doc as Index).manifests) {
          const s = await source.open(child, options.signal);
          const childBytes = await readAllBounded(s, MAX_MANIFEST_SIZE, child.digest);
          if (sha256Digest(childBytes) !== child.digest) throw new DataLossError(`manifest ${child.digest}: local content does not match its digest`);
          await pushOne(childBytes, child.mediaType, depth + 1);
          await this.pushManifest({ domain: r.domain, path: r.path, digest: child.digest }, childBytes, child.mediaType, options);
        }
        return;
      }
      const m = doc as Manifest;
      const todo = [m.config, ...m.layers.filter((l) => !(l.urls && l.urls.length > 0))];
      await runLimited(todo, this.concurrency, async (desc) => {
        blobs[desc.digest] = await this.pushBlob(r, desc, source, options);
      });
    };
    await pushOne(root.bytes, root.mediaType, 0);
    const digest = await this.pushManifest(r, root.bytes, root.mediaType, options);
    return { digest, size: root.bytes.length, blobs };
  }
}

