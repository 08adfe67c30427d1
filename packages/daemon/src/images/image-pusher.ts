import { InvalidArgumentError, NotFoundError, messageOf } from '@berth/errdefs';
import type { BlobSource, RegistryClientOptions } from '@berth/registry-client';
import { registryClientFor } from './registry-client-module';
import { MediaType, familiarName, formatReference, parseReference, repositoryName, type Descriptor, type Digest, type Manifest, type Reference } from '@berth/oci';
import type { ImageStore } from '@berth/image-store';
import type { ProgressWriter } from './progress-writer';
import { progressBar } from './progress';
import { silentLogger, type Logger } from '@berth/log';

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
 * `docker push`: an OCI manifest is made from the local image (config blob + the uncompressed
 * layer tars the layer store keeps under their diffIDs) and pushed with registry-client, which
 * skips blobs the registry has. The pushed digest becomes a repo digest of the image.
 */
export class ImagePusher {
  constructor(
    private readonly store: ImageStore,
    private readonly opts: { logger?: Logger; registry?: Omit<RegistryClientOptions, 'credentials' | 'logger'> } = {},
  ) {}

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

      const layers: Descriptor[] = [];
      for (const diffId of rec.layers) {
        const l = await this.store.layers.get(diffId);
        if (!l) throw new NotFoundError(`layer ${diffId}: not in the layer store`);
        layers.push({ mediaType: MediaType.OciLayer, digest: diffId, size: l.tarSize });
      }
      const config: Descriptor = { mediaType: MediaType.OciConfig, digest: rec.id, size: rec.configSize };
      const manifest: Manifest = { schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers };
      const bytes = Buffer.from(JSON.stringify(manifest));

      const ids = new Map(layers.map((l) => [l.digest, shortId(l.digest)]));
      for (const l of [...layers].reverse()) p.write({ status: 'Preparing', progressDetail: {}, id: ids.get(l.digest)! });
      const source: BlobSource = {
        open: (desc, signal) => {
          const o = signal ? { signal } : {};
          return desc.digest === rec.id ? this.store.content.readStream(rec.id, o) : this.store.layers.tarStream(desc.digest as Digest, o);
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
      const result = await client.push(ref, { bytes, mediaType: MediaType.OciManifest }, source, {
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
      await this.store.images.tag(rec.id, formatReference({ domain: repo.domain, path: repo.path, digest: result.digest }));
      p.write({ status: `${tag}: digest: ${result.digest} size: ${result.size}` });
      p.write({ progressDetail: {}, aux: { Tag: tag, Digest: result.digest, Size: result.size } });
    }
  }
}
