import { DataLossError, InvalidArgumentError } from '@berth/errdefs';
import { isDigest, isManifestMediaType, layerCompression, parseReference, repositoryName, sha256Digest, type Digest, type Manifest } from '@berth/oci';
import type { LocalContentStore } from './content/local-content-store';
import type { ImageRecord } from './image-catalog';
import type { LocalLayerStore } from './local-layer-store';
import type { ImportManifestOptions, ManifestImporter } from './manifest-importer';
import { parseImageConfig, type SqliteImageCatalog } from './sqlite-image-catalog';

export class LocalManifestImporter implements ManifestImporter {
  constructor(
    private readonly content: LocalContentStore,
    private readonly layers: LocalLayerStore,
    private readonly images: SqliteImageCatalog,
  ) {}

  async importManifest(opts: ImportManifestOptions): Promise<ImageRecord> {
    const digest = opts.manifestDigest ?? sha256Digest(opts.manifest);
    if (sha256Digest(opts.manifest) !== digest) throw new DataLossError(`manifest ${digest}: content hashes to ${sha256Digest(opts.manifest)}`);
    let m: Manifest;
    try {
      m = JSON.parse(opts.manifest.toString('utf8')) as Manifest;
    } catch (e) {
      throw new InvalidArgumentError(`manifest ${digest}: invalid JSON`, { cause: e });
    }
    if (m.mediaType !== undefined && !isManifestMediaType(m.mediaType)) throw new InvalidArgumentError(`manifest ${digest}: media type ${m.mediaType} is not an image manifest`);
    if (!m.config || typeof m.config.digest !== 'string' || !isDigest(m.config.digest) || !Array.isArray(m.layers)) {
      throw new InvalidArgumentError(`manifest ${digest}: no config or layers`);
    }
    const configDigest = m.config.digest as Digest;
    const config = await this.content.readBuffer(configDigest);
    if (sha256Digest(config) !== configDigest) throw new DataLossError(`config ${configDigest}: stored content does not match its digest`);
    const cfg = parseImageConfig(config, `config ${configDigest}`);
    const diffIds = cfg.rootfs.diff_ids as Digest[];
    if (diffIds.length !== m.layers.length) throw new InvalidArgumentError(`manifest ${digest}: ${m.layers.length} layers, config ${diffIds.length}`);
    const added: Digest[] = [];
    try {
      for (let i = 0; i < m.layers.length; i++) {
        const desc = m.layers[i]!;
        const diffId = diffIds[i]!;
        if (typeof desc.digest !== 'string' || !isDigest(desc.digest)) throw new InvalidArgumentError(`manifest ${digest}: layer ${i}: invalid digest`);
        if (layerCompression(desc.mediaType ?? '') === undefined) throw new InvalidArgumentError(`manifest ${digest}: layer ${i}: unsupported media type ${desc.mediaType}`);
        const blob = desc.digest as Digest;
        if (await this.layers.has(diffId)) {
          opts.onLayer?.({ digest: blob, diffId, status: 'exists' });
          continue;
        }
        opts.onLayer?.({ digest: blob, diffId, status: 'extracting' });
        await this.layers.ingest(await this.content.readStream(blob, { signal: opts.signal }), { expectedDiffId: diffId, signal: opts.signal });
        added.push(diffId);
        opts.onLayer?.({ digest: blob, diffId, status: 'done' });
      }
      const references: string[] = [];
      if (opts.reference !== undefined) {
        const ref = parseReference(opts.reference);
        references.push(opts.reference);
        if (opts.digestReference !== false) references.push(`${repositoryName(ref)}@${digest}`);
      }
      const blobs: Digest[] = opts.keepBlobs === false ? [] : [digest, ...m.layers.map((l) => l.digest as Digest)];
      return await this.images.create(config, { references, blobs, signal: opts.signal });
    } catch (e) {
      this.layers.release(added);
      await this.layers.prune();
      throw e;
    }
  }
}
