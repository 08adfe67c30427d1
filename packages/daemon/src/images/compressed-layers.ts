import type { Database, Migration } from '@berth/sqlite';
import type { Digest } from '@berth/oci';
import type { ImageStore } from '@berth/image-store';
import { ParallelGzip } from './parallel-gzip';

export const COMPRESSED_LAYERS_COMPONENT = 'daemon-compressed-layers';

/**
 * The gzip form of layers that were pushed (component `daemon-compressed-layers` in berth.db):
 *
 *   compressed_layers
 *     diff_id      TEXT    the layer's uncompressed digest
 *     compression  TEXT    'gzip'
 *     digest       TEXT    the compressed blob's digest (as pushed; kept in the content store)
 *     size         INTEGER the compressed blob's size
 *     PRIMARY KEY (diff_id, compression)
 *
 * A layer is compressed once, on its first push; the next push of it (to any repository or
 * registry) reuses the blob and its digest, as docker's v2 metadata does. The pusher lists the
 * blob with the pushed image (image-store's `blobs`), so it goes with the last image that lists
 * it; a row whose blob is gone is made again on the next push (the same bytes: ParallelGzip is
 * deterministic).
 */
export const compressedLayerMigrations: Migration[] = [
  {
    component: COMPRESSED_LAYERS_COMPONENT,
    version: 1,
    description: 'compressed_layers: the gzip blob of each pushed layer',
    up: `CREATE TABLE compressed_layers (
  diff_id     TEXT NOT NULL,
  compression TEXT NOT NULL,
  digest      TEXT NOT NULL,
  size        INTEGER NOT NULL,
  PRIMARY KEY (diff_id, compression)
);`,
  },
];

/**
 * gzip level of pushed layers: 1 (BERTH_PUSH_GZIP_LEVEL to change). On a realistic layer it puts
 * 38 % of the tar on the wire against 35 % at zlib's default 6, at twice the speed (over 62 MB/s
 * on two cores with ParallelGzip, where 6 gives 35-56): see bench/push-compression.js.
 */
export const PUSH_GZIP_LEVEL = Number(process.env['BERTH_PUSH_GZIP_LEVEL'] ?? 1);

export class CompressedLayers {
  constructor(
    private readonly db: Database,
    private readonly store: ImageStore,
    private readonly level: number = PUSH_GZIP_LEVEL,
  ) {}

  /** The gzip blob of a layer: the one made before when it is still in the content store, else made now (and kept). */
  async gzip(diffId: Digest, opts: { signal?: AbortSignal } = {}): Promise<{ digest: Digest; size: number }> {
    const row = await this.db.get<{ digest: string; size: number }>('SELECT digest, size FROM compressed_layers WHERE diff_id = ? AND compression = ?', [
      diffId,
      'gzip',
    ]);
    if (row && (await this.store.content.has(row.digest as Digest))) return { digest: row.digest as Digest, size: row.size };
    const tar = await this.store.layers.tarStream(diffId, opts);
    const gz = new ParallelGzip(this.level);
    tar.on('error', (e) => gz.destroy(e));
    tar.pipe(gz);
    const info = await this.store.content.write(gz, undefined, opts);
    await this.db.run('INSERT OR REPLACE INTO compressed_layers (diff_id, compression, digest, size) VALUES (?, ?, ?, ?)', [diffId, 'gzip', info.digest, info.size]);
    return { digest: info.digest as Digest, size: info.size };
  }
}
