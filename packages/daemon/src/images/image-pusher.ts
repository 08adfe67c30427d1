import { setMaxListeners } from 'node:events';
import { InvalidArgumentError, NotFoundError, messageOf } from '@berth/errdefs';
import type { BlobSource, ProgressEvent, RegistryClient, RegistryClientOptions } from '@berth/registry-client';
import { registryClientFor, registryClientModule } from './registry-client-module';
import { MediaType, familiarName, formatReference, parseReference, repositoryName, type Descriptor, type Digest, type Manifest, type Reference } from '@berth/oci';
import type { ImageRecord, ImageStore } from '@berth/image-store';
import type { ProgressWriter } from './progress-writer';
import { progressBar } from './progress';
import { silentLogger, type Logger } from '@berth/log';
import type { CompressedLayers } from './compressed-layers';

export interface PushRequest {
  /** The repository as in the path (`127.0.0.1:5000/trace/busybox`); may carry a tag. */
  name: string;
  /** `?tag=`; empty: every tag of the repository, as docker does. */
  tag?: string;
  authHeader?: string;
  progress: ProgressWriter;
  signal?: AbortSignal;
}

const shortId = (d: string): string => d.replace(/^sha256:/, '').slice(0, 12);

/** docker's progress status while an upload waits to be tried again (moby xfer: "Retrying in 5 seconds"). */
function retryingStatus(retryInMs: number | undefined): string {
  const secs = Math.max(1, Math.ceil((retryInMs ?? 0) / 1000));
  return `Retrying in ${secs} second${secs === 1 ? '' : 's'}`;
}

/** Layers pushed at once: dockerd's default max-concurrent-uploads. */
const PUSH_CONCURRENCY = 5;

/**
 * `docker push`: a manifest is made from the local image (config blob + gzip-compressed layers,
 * see CompressedLayers) and pushed with registry-client, which skips blobs the registry has.
 * Docker's v2 schema 2 media types, as docker pushes, unless the image came as an OCI image (an
 * OCI manifest among its repo digests): then OCI ones. The pushed digest becomes a repo digest.
 */
export class ImagePusher {
  constructor(
    private readonly store: ImageStore,
    private readonly opts: { logger?: Logger; registry?: Omit<RegistryClientOptions, 'credentials' | 'logger'>; compressed?: CompressedLayers } = {},
  ) {}

  /** 'oci' when one of the image's manifests in the content store is an OCI one, else 'docker'. */
  private async formatOf(repoDigests: string[]): Promise<'docker' | 'oci'> {
    for (const rd of repoDigests) {
      const digest = rd.slice(rd.lastIndexOf('@') + 1) as Digest;
      try {
        if (!(await this.store.content.has(digest))) continue;
        const chunks: Buffer[] = [];
        for await (const c of await this.store.content.readStream(digest)) chunks.push(c as Buffer);
        const mt = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { mediaType?: string }).mediaType;
        if (mt === MediaType.OciManifest || mt === MediaType.OciIndex) return 'oci';
      } catch {
        /* not a manifest we can read: no say */
      }
    }
    return 'docker';
  }

  async push(req: PushRequest): Promise<void> {
    let repo: Reference;
    try {
      repo = parseReference(req.name);
    } catch (e) {
      throw new InvalidArgumentError(messageOf(e));
    }
    if (repo.digest !== undefined) throw new InvalidArgumentError(`push ${req.name}: cannot push a digest reference`);
    const repoName = repositoryName(repo);
    let tags: string[];
    if (req.tag) tags = [req.tag];
    else if (repo.tag !== undefined) tags = [repo.tag];
    else {
      const all = await this.store.images.list({});
      tags = [];
      for (const img of all) {
        for (const t of img.repoTags) {
          const r = parseReference(t);
          if (repositoryName(r) === repoName && r.tag !== undefined) tags.push(r.tag);
        }
      }
      if (tags.length === 0) throw new NotFoundError(`An image does not exist locally with the tag: ${familiarName(repo)}`);
    }
    const client = registryClientFor(repo.domain, req.authHeader, this.opts.registry ?? {}, this.opts.logger ?? silentLogger);
    const p = req.progress;
    const call = req.signal ? { signal: req.signal } : {};
    // every layer under way listens on the push's signal (layer read, gzip, content store,
    // upload requests): PUSH_CONCURRENCY layers exceed Node's default warning threshold of 10
    if (req.signal) setMaxListeners(PUSH_CONCURRENCY * 8, req.signal);
    for (const tag of tags) {
      const ref: Reference = { domain: repo.domain, path: repo.path, tag };
      const rec = await this.store.images.find(formatReference(ref));
      if (!rec) throw new NotFoundError(`An image does not exist locally with the tag: ${familiarName(repo)}`);
      p.write({ status: `The push refers to repository [${familiarName(repo)}]` });

      const format = await this.formatOf(rec.repoDigests);
      // progress ids are the layers' short diffIDs, as docker's
      for (const diffId of [...rec.layers].reverse()) p.write({ status: 'Preparing', progressDetail: {}, id: shortId(diffId) });
      // Other repositories of this image on the same registry: blobs are mounted from them
      // (`POST ?mount=&from=`) instead of uploaded again.
      const mountFrom = [
        ...new Set(
          [...rec.repoTags, ...rec.repoDigests]
            .map((n) => {
              try {
                return parseReference(n);
              } catch {
                return undefined;
              }
            })
            .filter((r): r is Reference => r !== undefined && r.domain === repo.domain && r.path !== repo.path)
            .map((r) => r.path),
        ),
      ];
      const compressed = this.opts.compressed;
      const result = compressed
        ? await this.pushGzipLayers(client, ref, rec, format, compressed, mountFrom, p, call)
        : await this.pushPlainLayers(client, ref, rec, mountFrom, p, call);
      await this.store.content.write(result.bytes, { digest: result.digest as Digest, size: result.bytes.length }, call);
      await this.listWithImage(rec.id, [result.digest as Digest], call);
      await this.store.images.tag(rec.id, formatReference({ domain: repo.domain, path: repo.path, digest: result.digest }));
      p.write({ status: `${tag}: digest: ${result.digest} size: ${result.size}` });
      p.write({ progressDetail: {}, aux: { Tag: tag, Digest: result.digest, Size: result.size } });
    }
  }

  /**
   * Docker's push: the layers 5 at a time (dockerd's max-concurrent-uploads), each as gzip. A layer
   * pushed before has its gzip blob kept (CompressedLayers): `HEAD`, mount or upload of that. One
   * never pushed is compressed while it is uploaded (one streamed `PATCH`; the digest comes at the
   * end), so compression, hashing, the content store's copy and the upload overlap instead of
   * following each other; progress counts the uncompressed bytes read, as docker's. Then the
   * config blob and the manifest (Docker v2 schema 2, or OCI for an OCI image).
   */
  private async pushGzipLayers(
    client: RegistryClient,
    ref: Reference,
    rec: ImageRecord,
    format: 'docker' | 'oci',
    compressed: CompressedLayers,
    mountFrom: string[],
    p: ProgressWriter,
    call: { signal?: AbortSignal },
  ): Promise<{ digest: string; size: number; bytes: Buffer; layers: Descriptor[] }> {
    const layerType = format === 'docker' ? MediaType.DockerLayerGzip : MediaType.OciLayerGzip;
    const byDiffId = new Map<string, Descriptor>();
    const source: BlobSource = { open: (desc, signal) => this.store.content.readStream(desc.digest as Digest, signal ? { signal } : {}) };
    // a layer that appears twice in the image (two identical steps) is compressed and sent once
    await registryClientModule().runLimited([...new Set(rec.layers)], PUSH_CONCURRENCY, async (layer) => {
      const diffId = layer as Digest;
      const id = shortId(diffId);
      const l = await this.store.layers.get(diffId);
      if (!l) throw new NotFoundError(`layer ${diffId}: not in the layer store`);
      let last = 0;
      const pushing = (current: number, total: number): void => {
        const now = Date.now();
        if (now - last < 100 && current < total) return;
        last = now;
        p.write({ status: 'Pushing', progressDetail: { current, total }, progress: progressBar(current, total), id });
      };
      const retrying = (e: ProgressEvent): void => {
        if (e.status === 'retrying') p.write({ status: retryingStatus(e.retryInMs), progressDetail: {}, id });
      };
      // pushed before: HEAD, mount, or upload of the kept blob (made again when it is gone: same bytes)
      const kept = await compressed.kept(diffId);
      const recorded = kept ?? (await compressed.recorded(diffId));
      if (recorded) {
        const desc: Descriptor = { mediaType: layerType, digest: recorded.digest, size: recorded.size };
        byDiffId.set(diffId, desc);
        const from: BlobSource = kept ? source : { open: (_d, signal) => compressed.gzipStream(diffId, signal ? { signal } : {}) };
        const how = await client.pushBlob(ref, desc, from, {
          ...call,
          mountFrom,
          onProgress: (e) => (e.status === 'uploading' ? pushing(e.current, e.total) : retrying(e)),
        });
        if (how === 'exists') p.write({ status: 'Layer already exists', progressDetail: {}, id });
        else if (how === 'mounted') p.write({ status: `Mounted from ${mountFrom[0] ?? ref.path}`, progressDetail: {}, id });
        else p.write({ status: 'Pushed', progressDetail: {}, id });
        return;
      }
      let read = 0;
      // a failed upload is tried again from the content store's copy (made all the same)
      const gz = await compressed.gzipWhile(diffId, (body, made) => client.pushBlobStream(ref, diffId, body, made, { ...call, again: source, onProgress: retrying }), {
        ...call,
        onRead: (n) => pushing((read += n), l.tarSize),
      });
      byDiffId.set(diffId, { mediaType: layerType, digest: gz.digest, size: gz.size });
      p.write({ status: 'Pushed', progressDetail: {}, id });
    });
    const layers = rec.layers.map((d) => byDiffId.get(d)!);
    // listed before the manifest goes: a push that fails still leaves them to go with the image
    await this.listWithImage(rec.id, layers.map((l) => l.digest as Digest), call);
    const docker = format === 'docker';
    const config: Descriptor = { mediaType: docker ? MediaType.DockerConfig : MediaType.OciConfig, digest: rec.id, size: rec.configSize };
    await client.pushBlob(ref, config, source, { ...call, mountFrom });
    const manifestType = docker ? MediaType.DockerManifest : MediaType.OciManifest;
    const manifest: Manifest = { schemaVersion: 2, mediaType: manifestType, config, layers };
    const bytes = Buffer.from(JSON.stringify(manifest));
    const digest = await client.pushManifest(ref, bytes, manifestType, call);
    return { digest, size: bytes.length, bytes, layers };
  }

  /** The uncompressed push (no CompressedLayers): an OCI manifest of the layers' tars, through registry-client's push. */
  private async pushPlainLayers(
    client: RegistryClient,
    ref: Reference,
    rec: ImageRecord,
    mountFrom: string[],
    p: ProgressWriter,
    call: { signal?: AbortSignal },
  ): Promise<{ digest: string; size: number; bytes: Buffer; layers: Descriptor[] }> {
    const ids = new Map<string, string>();
    const layers: Descriptor[] = [];
    for (const diffId of rec.layers) {
      const l = await this.store.layers.get(diffId);
      if (!l) throw new NotFoundError(`layer ${diffId}: not in the layer store`);
      layers.push({ mediaType: MediaType.OciLayer, digest: diffId, size: l.tarSize });
      ids.set(diffId, shortId(diffId));
    }
    const config: Descriptor = { mediaType: MediaType.OciConfig, digest: rec.id, size: rec.configSize };
    const manifest: Manifest = { schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers };
    const bytes = Buffer.from(JSON.stringify(manifest));
    const source: BlobSource = {
      open: (desc, signal) => {
        const o = signal ? { signal } : {};
        if (desc.digest === rec.id) return this.store.content.readStream(desc.digest as Digest, o);
        return this.store.layers.tarStream(desc.digest as Digest, o);
      },
    };
    let last = 0;
    const result = await client.push(ref, { bytes, mediaType: MediaType.OciManifest }, source, {
      ...call,
      mountFrom,
      onProgress: (e) => {
        const id = ids.get(e.digest);
        if (id && e.status === 'retrying') p.write({ status: retryingStatus(e.retryInMs), progressDetail: {}, id });
        if (!id || e.status !== 'uploading') return;
        const now = Date.now();
        if (now - last < 100 && e.current < e.total) return;
        last = now;
        p.write({ status: 'Pushing', progressDetail: { current: e.current, total: e.total }, progress: progressBar(e.current, e.total), id });
      },
    });
    for (const l of layers) {
      const how = result.blobs[l.digest];
      const id = ids.get(l.digest)!;
      if (how === 'exists') p.write({ status: 'Layer already exists', progressDetail: {}, id });
      else if (how === 'mounted') p.write({ status: `Mounted from ${mountFrom[0] ?? ref.path}`, progressDetail: {}, id });
      else p.write({ status: 'Pushed', progressDetail: {}, id });
    }
    return { digest: result.digest, size: result.size, bytes, layers };
  }

  /**
   * Blobs made for a push (the gzip'd layers, the pushed manifest) belong to the image: listed with
   * it (image-store's `blobs`), they go with the last image that lists them.
   */
  private async listWithImage(imageId: Digest, blobs: Digest[], call: { signal?: AbortSignal }): Promise<void> {
    const config = await this.store.content.readBuffer(imageId, call);
    await this.store.images.create(config, { blobs, ...call });
  }
}
