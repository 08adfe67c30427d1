import { InvalidArgumentError, NotFoundError, messageOf } from '@berth/errdefs';
import type { BlobSource, RegistryClientOptions } from '@berth/registry-client';
import { registryClientFor } from './registry-client-module';
import { MediaType, familiarName, formatReference, parseReference, repositoryName, type Descriptor, type Digest, type Manifest, type Reference } from '@berth/oci';
import type { ImageStore } from '@berth/image-store';
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
    for (const tag of tags) {
      const ref: Reference = { domain: repo.domain, path: repo.path, tag };
      const rec = await this.store.images.find(formatReference(ref));
      if (!rec) throw new NotFoundError(`An image does not exist locally with the tag: ${familiarName(repo)}`);
      p.write({ status: `The push refers to repository [${familiarName(repo)}]` });

      const format = await this.formatOf(rec.repoDigests);
      // progress ids are the layers' short diffIDs, as docker's
      const ids = new Map<string, string>();
      for (const diffId of [...rec.layers].reverse()) p.write({ status: 'Preparing', progressDetail: {}, id: shortId(diffId) });
      const layers: Descriptor[] = [];
      for (const diffId of rec.layers) {
        const l = await this.store.layers.get(diffId);
        if (!l) throw new NotFoundError(`layer ${diffId}: not in the layer store`);
        if (this.opts.compressed) {
          const gz = await this.opts.compressed.gzip(diffId, call);
          layers.push({ mediaType: format === 'docker' ? MediaType.DockerLayerGzip : MediaType.OciLayerGzip, digest: gz.digest, size: gz.size });
          ids.set(gz.digest, shortId(diffId));
        } else {
          layers.push({ mediaType: MediaType.OciLayer, digest: diffId, size: l.tarSize });
          ids.set(diffId, shortId(diffId));
        }
      }
      // listed before the upload: a push that fails still leaves them to go with the image
      if (this.opts.compressed) await this.listWithImage(rec.id, layers.map((l) => l.digest as Digest), call);
      const docker = format === 'docker' && this.opts.compressed !== undefined;
      const config: Descriptor = { mediaType: docker ? MediaType.DockerConfig : MediaType.OciConfig, digest: rec.id, size: rec.configSize };
      const manifestType = docker ? MediaType.DockerManifest : MediaType.OciManifest;
      const manifest: Manifest = { schemaVersion: 2, mediaType: manifestType, config, layers };
      const bytes = Buffer.from(JSON.stringify(manifest));

      const source: BlobSource = {
        open: (desc, signal) => {
          const o = signal ? { signal } : {};
          if (desc.digest === rec.id || this.opts.compressed) return this.store.content.readStream(desc.digest as Digest, o);
          return this.store.layers.tarStream(desc.digest as Digest, o);
        },
      };
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
      let last = 0;
      const result = await client.push(ref, { bytes, mediaType: manifestType }, source, {
        ...call,
        mountFrom,
        onProgress: (e) => {
          const id = ids.get(e.digest);
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
        else if (how === 'mounted') p.write({ status: `Mounted from ${mountFrom[0] ?? repo.path}`, progressDetail: {}, id });
        else p.write({ status: 'Pushed', progressDetail: {}, id });
      }
      await this.store.content.write(bytes, { digest: result.digest as Digest, size: bytes.length }, call);
      await this.listWithImage(rec.id, [result.digest as Digest], call);
      await this.store.images.tag(rec.id, formatReference({ domain: repo.domain, path: repo.path, digest: result.digest }));
      p.write({ status: `${tag}: digest: ${result.digest} size: ${result.size}` });
      p.write({ progressDetail: {}, aux: { Tag: tag, Digest: result.digest, Size: result.size } });
    }
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
