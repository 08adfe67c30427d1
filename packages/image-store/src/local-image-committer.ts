import { hostPlatform, rfc3339Nano, rootfsOf, type Digest, type ImageConfig } from '@berth/oci';
import type { CommitOptions, ImageCommitter } from './image-committer';
import type { ImageRecord } from './image-catalog';
import type { LocalLayerStore } from './local-layer-store';
import type { SqliteImageCatalog } from './sqlite-image-catalog';
import { configBytes } from './config-bytes';

/** The diffID of a tar with no entries (two zero blocks): docker's "empty layer". */
export const EMPTY_LAYER_DIFF_ID = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

/** moby's `image.NewChildImage`, over the layer store and the catalog. */
export class LocalImageCommitter implements ImageCommitter {
  constructor(
    private readonly layers: LocalLayerStore,
    private readonly images: SqliteImageCatalog,
  ) {}

  async commit(opts: CommitOptions): Promise<ImageRecord> {
    const parent = opts.parent !== undefined && opts.parent !== '' ? await this.images.get(opts.parent) : undefined;
    let diffId: Digest | undefined;
    if (opts.upperDir !== undefined) {
      const layer = await this.layers.ingestDirectory(opts.upperDir, { mode: 'overlay-diff', signal: opts.signal });
      diffId = layer.diffId;
    }
    // moby's NewChildImage (layer.IsEmpty): a diff that is the empty tar, e.g. from a build's
    // `RUN true`, adds no layer and its history entry is empty_layer (Docker 20.10 does the same)
    const empty = diffId === undefined || diffId === EMPTY_LAYER_DIFF_ID;
    // moby's NewChildImage: time.Now().UTC(), RFC3339Nano
    const now = rfc3339Nano(new Date());
    const base: Partial<ImageConfig> = parent ? { ...parent.config } : {};
    const platform = hostPlatform();
    const config: ImageConfig = {
      ...base,
      architecture: base.architecture ?? platform.architecture,
      os: base.os ?? platform.os,
      config: opts.config,
      created: now,
      rootfs: rootfsOf([...(parent?.layers ?? []), ...(empty ? [] : [diffId!])]),
      history: [
        ...(base.history ?? []),
        {
          created: now,
          ...(opts.author ? { author: opts.author } : {}),
          ...(createdBy(opts) ? { created_by: createdBy(opts) } : {}),
          ...(opts.comment ? { comment: opts.comment } : {}),
          ...(empty ? { empty_layer: true } : {}),
        },
      ],
    };
    delete config.container;
    delete config.container_config;
    delete config.author;
    delete config.comment;
    delete config.parent;
    delete config.id;
    delete config.docker_version;
    if (opts.dockerVersion) config.docker_version = opts.dockerVersion;
    if (opts.containerId) config.container = opts.containerId;
    if (opts.containerConfig) config.container_config = opts.containerConfig;
    if (opts.author) config.author = opts.author;
    if (opts.comment) config.comment = opts.comment;
    try {
      return await this.images.create(configBytes(config), {
        parent: opts.recordParent === false ? undefined : parent?.id,
        references: opts.references,
        signal: opts.signal,
      });
    } catch (e) {
      if (diffId) {
        this.layers.release([diffId]);
        await this.layers.prune();
      }
      throw e;
    } finally {
      if (empty && diffId) {
        // the empty layer was stored only to learn it was empty
        this.layers.release([diffId]);
        await this.layers.prune();
      }
    }
  }
}

function createdBy(opts: CommitOptions): string | undefined {
  if (opts.createdBy !== undefined) return opts.createdBy;
  const cmd = opts.containerConfig?.Cmd;
  return cmd && cmd.length > 0 ? cmd.join(' ') : undefined;
}

