import type { Readable } from 'node:stream';
import { CancelledError, FailedPreconditionError, InvalidArgumentError, NotFoundError, codeOf, messageOf } from '@berth/errdefs';
import type { RegistryClient, RegistryClientOptions } from '@berth/registry-client';
import { registryClientFor } from './registry-client-module';
import { familiarName, familiarString, formatReference, parsePlatform, parseReference, repositoryName, withDefaultTag, type Digest, type ImageConfig, type Reference } from '@berth/oci';
import type { ImageStore } from '@berth/image-store';
import { progressBar } from './progress';
import type { ProgressWriter } from './progress-writer';
import { silentLogger, type Logger } from '@berth/log';

export interface PullRequest {
  reference: string;
  authHeader?: string;
  platform?: string;
  progress: ProgressWriter;
  signal?: AbortSignal;
  /** `docker pull -a`: `reference` names a repository (no tag); every tag is pulled. */
  allTags?: boolean;
}

export interface PullOutcome {
  imageId: Digest;
  /** The reference pulled, familiar (`busybox:latest`). */
  name: string;
}

const shortId = (d: string): string => d.replace(/^sha256:/, '').slice(0, 12);

/**
 * `docker pull`: registry-client resolves and downloads; each layer is unpacked into the layer
 * store as it streams (verified against its digest and the config's diffID); layers the store
 * has already are skipped ("Already exists"); the image is created from the config with the
 * tag and the repo digest. Messages follow dockerd's sequence (SPEC §4.1).
 *
 * Nothing is written to the progress stream before the manifest and config are fetched, so a
 * missing image or an unreachable registry is an HTTP error (404/500), as with dockerd.
 */
export class ImagePuller {
  constructor(
    private readonly store: ImageStore,
    private readonly opts: { logger?: Logger; registry?: Omit<RegistryClientOptions, 'credentials' | 'logger'> } = {},
  ) {}

  /**
   * Registry clients by registry and `X-Registry-Auth`, for a minute: back-to-back pulls reuse
   * the endpoint, connections and bearer tokens (a cached pull is then one manifest request).
   * Any failed pull drops them all.
   */
  private readonly clients = new Map<string, { client: RegistryClient; expires: number }>();

  private clientFor(key: string, make: () => RegistryClient): RegistryClient {
    const now = Date.now();
    for (const [k, v] of this.clients) if (v.expires <= now) this.clients.delete(k);
    const hit = this.clients.get(key);
    if (hit) return hit.client;
    const client = make();
    if (this.clients.size >= 32) this.clients.delete(this.clients.keys().next().value!);
    this.clients.set(key, { client, expires: now + 60_000 });
    return client;
  }

  async pull(req: PullRequest): Promise<PullOutcome> {
    try {
      return await this.pullTags(req);
    } catch (e) {
      this.clients.clear();
      throw e;
    }
  }

  private async pullTags(req: PullRequest): Promise<PullOutcome> {
    if (!req.allTags) return this.pullOne(req, true);
    let repo: Reference;
    try {
      repo = parseReference(req.reference);
    } catch (e) {
      throw new InvalidArgumentError(messageOf(e));
    }
    if (repo.tag !== undefined || repo.digest !== undefined) throw new InvalidArgumentError(`tag can't be used with --all-tags/-a`);
    const { mirrors: _mirrors, ...registryOpts } = this.opts.registry ?? {};
    const client = registryClientFor(repo.domain, req.authHeader, registryOpts, this.opts.logger ?? silentLogger);
    let tags: string[];
    try {
      tags = await client.listTags(repo, req.signal ? { signal: req.signal } : {});
    } catch (e) {
      const kind = codeOf(e);
      if (kind === 'UNAUTHORIZED' || kind === 'FORBIDDEN') {
        throw new FailedPreconditionError(`pull access denied for ${familiarName(repo)}, repository does not exist or may require 'docker login': ${messageOf(e)}`, { cause: e });
      }
      throw e;
    }
    if (tags.length === 0) throw new NotFoundError(`repository ${familiarName(repo)}: no tags`);
    let last: PullOutcome | undefined;
    let updated = false;
    for (const tag of tags) {
      const one = await this.pullOne({ ...req, reference: formatReference({ ...repo, tag }), allTags: false }, false);
      updated ||= one.updated;
      last = one;
    }
    const name = familiarName(repo);
    req.progress.write({ status: updated ? `Status: Downloaded newer image for ${name}` : `Status: Image is up to date for ${name}` });
    return { imageId: last!.imageId, name };
  }

  /**
   * The local image when it is current for `resolved`: its repo digest and (for a tag) the tag
   * already name the manifest's config, and it has as many layers; else undefined.
   */
  private async currentImage(ref: Reference, resolved: { index?: { digest: string }; manifest: { digest: string }; parsed: { config: { digest: string }; layers: unknown[] } }): Promise<{ id: Digest } | undefined> {
    const digestRef = formatReference({ domain: ref.domain, path: ref.path, digest: (resolved.index ?? resolved.manifest).digest as Digest });
    const img = await this.store.images.find(digestRef);
    if (!img || img.id !== resolved.parsed.config.digest || img.layers.length !== resolved.parsed.layers.length) return undefined;
    if (ref.tag !== undefined && ref.digest === undefined && (await this.store.images.find(formatReference(ref)))?.id !== img.id) return undefined;
    return { id: img.id };
  }

  private async pullOne(req: PullRequest, final: boolean): Promise<PullOutcome & { updated: boolean }> {
    const log = this.opts.logger ?? silentLogger;
    let ref: Reference;
    try {
      ref = withDefaultTag(parseReference(req.reference));
    } catch (e) {
      throw new InvalidArgumentError(messageOf(e));
    }
    const { mirrors, ...registryOpts } = this.opts.registry ?? {};
    // Mirrors are tried here rather than inside registry-client so that the blobs come from the
    // endpoint that answered the manifest. Credentials go to the reference's own registry only.
    const candidates: Reference[] = [...(mirrors?.[ref.domain] ?? []).map((u) => ({ ...ref, domain: new URL(u).host })), ref];
    const client = this.clientFor(`${ref.domain}\n${req.authHeader ?? ''}`, () =>
      registryClientFor(
        ref.domain,
        req.authHeader,
        {
          ...registryOpts,
          insecureRegistries: [...(registryOpts.insecureRegistries ?? []), ...(mirrors?.[ref.domain] ?? []).filter((u) => u.startsWith('http:')).map((u) => new URL(u).host)],
        },
        log,
      ),
    );
    const call = req.signal ? { signal: req.signal } : {};
    let resolved: Awaited<ReturnType<RegistryClient['resolve']>> | undefined;
    let configBytes: Buffer | undefined;
    let source: Reference = ref;
    let current: { id: Digest } | undefined;
    for (let i = 0; i < candidates.length && !resolved; i++) {
      const c = candidates[i]!;
      try {
        const r = await client.resolve(c, { ...call, ...(req.platform ? { platform: parsePlatform(req.platform) } : {}) });
        current = await this.currentImage(ref, r);
        if (!current) {
          // A config the content store has (content-addressed, verified when written) is not fetched again.
          const local = (await this.store.content.has(r.parsed.config.digest as Digest)) ? await this.store.content.readBuffer(r.parsed.config.digest as Digest, call).catch(() => undefined) : undefined;
          configBytes = local ?? (await client.fetchBlobBytes(c, r.parsed.config, call));
        }
        resolved = r;
        source = c;
      } catch (e) {
        const kind = codeOf(e);
        if (i < candidates.length - 1 && !req.signal?.aborted && ['NOT_FOUND', 'UNAVAILABLE', 'UNAUTHORIZED', 'FORBIDDEN', 'DATA_LOSS'].includes(kind)) {
          log.warn({ mirror: c.domain, err: messageOf(e) }, 'mirror failed, trying the next endpoint');
          continue;
        }
        // A 401 would make the docker CLI prompt for a login on its terminal: answer like dockerd's "denied" instead.
        if (kind === 'UNAUTHORIZED' || kind === 'FORBIDDEN') {
          throw new FailedPreconditionError(`pull access denied for ${familiarName(ref)}, repository does not exist or may require 'docker login': ${messageOf(e)}`, { cause: e });
        }
        throw e;
      }
    }
    if (!resolved) throw new InvalidArgumentError(`pull ${formatReference(ref)}: no endpoint to pull from`);
    const m = resolved.parsed;
    const p = req.progress;
    if (current) {
      // Up to date: nothing to check layer by layer, nothing to write; dockerd then names no
      // layer either (trace 15-pull-again).
      p.write({ status: `Pulling from ${ref.path}`, id: pullingId(ref) });
      p.write({ status: `Digest: ${(resolved.index ?? resolved.manifest).digest}` });
      const name = familiarString(ref);
      if (final) p.write({ status: `Status: Image is up to date for ${name}` });
      return { imageId: current.id, name, updated: false };
    }
    if (!configBytes) throw new InvalidArgumentError(`pull ${formatReference(ref)}: no config`);

    let config: ImageConfig;
    try {
      config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
    } catch {
      throw new InvalidArgumentError(`image ${formatReference(ref)}: config is not JSON`);
    }
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (diffIds.length !== m.layers.length) {
      throw new InvalidArgumentError(`image ${formatReference(ref)}: manifest has ${m.layers.length} layers, config ${diffIds.length} diff_ids`);
    }

    p.write({ status: `Pulling from ${ref.path}`, id: pullingId(ref) });
    const todo: number[] = [];
    for (let i = 0; i < m.layers.length; i++) {
      const id = shortId(m.layers[i]!.digest);
      if (await this.store.layers.has(diffIds[i] as Digest)) p.write({ status: 'Already exists', progressDetail: {}, id });
      else {
        p.write({ status: 'Pulling fs layer', progressDetail: {}, id });
        todo.push(i);
      }
    }
    // beyond the layers downloaded at once, the rest wait (as dockerd says)
    const limit = this.opts.registry?.concurrency ?? 3;
    for (const i of todo.slice(limit)) p.write({ status: 'Waiting', progressDetail: {}, id: shortId(m.layers[i]!.digest) });
    const committed: Digest[] = [];
    try {
      // Several layers at once (docker's 3 by default), each unpacked as it downloads. The first
      // failure aborts the others, and every layer this pull committed is released.
      await this.pullLayers(todo.length, limit, req.signal, async (k, signal) => {
        const i = todo[k]!;
        const desc = m.layers[i]!;
        const id = shortId(desc.digest);
        let last = 0;
        const blob: Readable = client.fetchBlob(source, desc, {
          signal,
          // an uncompressed layer's digest is its diffID, which the layer store verifies before
          // it keeps anything: hashing the bytes twice would cost a sha256 pass per byte
          ...(desc.digest === diffIds[i] ? { verifyDigest: false } : {}),
          onProgress: (e) => {
            if (e.status !== 'downloading') return;
            const now = Date.now();
            if (now - last < 100 && e.current < e.total) return;
            last = now;
            p.write({ status: 'Downloading', progressDetail: { current: e.current, total: e.total }, progress: progressBar(e.current, e.total), id });
          },
        });
        const layer = await this.store.layers.ingest(blob, { expectedDiffId: diffIds[i] as Digest, signal });
        committed.push(layer.diffId);
        p.write({ status: 'Verifying Checksum', progressDetail: {}, id });
        p.write({ status: 'Download complete', progressDetail: {}, id });
        p.write({ status: 'Pull complete', progressDetail: {}, id });
      });

      // Keep the manifest (and index) so the repo digest stays meaningful.
      const digestOfRef = (resolved.index ?? resolved.manifest).digest as Digest;
      const blobs: Digest[] = [];
      for (const f of [resolved.manifest, ...(resolved.index ? [resolved.index] : [])]) {
        if (!(await this.store.content.has(f.digest as Digest))) await this.store.content.write(f.bytes, { digest: f.digest as Digest, size: f.bytes.length }, call);
        blobs.push(f.digest as Digest);
      }
      const before = await this.store.images.find(formatReference(ref));
      const references = [formatReference({ domain: ref.domain, path: ref.path, digest: digestOfRef })];
      if (ref.tag !== undefined && ref.digest === undefined) references.unshift(formatReference(ref));
      // Up to date (every reference already names this config): nothing to write.
      let upToDate = before?.id === m.config.digest && todo.length === 0;
      for (const r of references) if (upToDate) upToDate = (await this.store.images.find(r))?.id === m.config.digest;
      const rec = upToDate && before ? before : await this.store.images.create(configBytes, { references, blobs, ...call });
      p.write({ status: `Digest: ${digestOfRef}` });
      const name = familiarString(ref);
      const updated = before?.id !== rec.id;
      if (final) p.write({ status: updated ? `Status: Downloaded newer image for ${name}` : `Status: Image is up to date for ${name}` });
      log.info({ reference: formatReference(ref), imageId: rec.id, repository: repositoryName(ref) }, 'pulled');
      return { imageId: rec.id, name, updated };
    } catch (e) {
      // Layers of this pull that no image uses go again (a later pull downloads them anew).
      this.store.layers.release(committed);
      await this.store.layers.prune().catch((pe: unknown) => log.warn({ err: messageOf(pe) }, 'pull failed: pruning its layers failed'));
      throw e;
    }
  }

  /** Runs `one(k)` for k in [0, count) with at most `limit` at once; the first failure aborts the rest. */
  private async pullLayers(count: number, limit: number, outer: AbortSignal | undefined, one: (k: number, signal: AbortSignal) => Promise<void>): Promise<void> {
    const ac = new AbortController();
    const onAbort = (): void => ac.abort(outer?.reason);
    outer?.addEventListener('abort', onAbort, { once: true });
    let next = 0;
    let failure: { e: unknown } | undefined;
    const worker = async (): Promise<void> => {
      while (next < count && !failure && !ac.signal.aborted) {
        const k = next++;
        try {
          await one(k, ac.signal);
        } catch (e) {
          failure ??= { e };
          ac.abort(e);
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker));
    } finally {
      outer?.removeEventListener('abort', onAbort);
    }
    if (failure) throw failure.e;
    if (outer?.aborted) throw new CancelledError(`pull: cancelled`);
  }
}

/**
 * The id of the `Pulling from` line (moby's pullV2Tag tagOrDigest): the tag of a tag reference;
 * the whole reference, fully qualified, of one with a digest (`docker.io/library/busybox@sha256:…`,
 * `127.0.0.1:5000/x:t@sha256:…`), as `docker pull busybox@sha256:…` prints it.
 */
function pullingId(ref: Reference): string {
  return ref.digest !== undefined ? formatReference(ref) : ref.tag!;
}
