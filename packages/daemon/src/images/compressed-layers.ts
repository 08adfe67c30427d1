import type { Database, Migration } from '@berth/sqlite';
import type { Digest } from '@berth/oci';
import type { ImageStore } from '@berth/image-store';
import { PassThrough, type Readable } from 'node:stream';
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
 * A layer is compressed once, on its first push (while it is uploaded); the next push of it (to any repository or
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

  /** The digest and size of the gzip blob made for a layer before (its blob may be gone since). */
  async recorded(diffId: Digest): Promise<{ digest: Digest; size: number } | undefined> {
    const row = await this.db.get<{ digest: string; size: number }>('SELECT digest, size FROM compressed_layers WHERE diff_id = ? AND compression = ?', [
      diffId,
      'gzip',
    ]);
    return row ? { digest: row.digest as Digest, size: row.size } : undefined;
  }

  /** The gzip blob made for a layer before, when it is still in the content store. */
  async kept(diffId: Digest): Promise<{ digest: Digest; size: number } | undefined> {
    const row = await this.recorded(diffId);
    return row && (await this.store.content.has(row.digest)) ? row : undefined;
  }

  /**
   * The layer compressed again, as a stream (not kept): the same bytes as the recorded blob, since
   * ParallelGzip is deterministic at one level; what a push uploads when the registry has neither
   * the blob nor a repository to mount it from, and the blob itself is gone here.
   */
  async gzipStream(diffId: Digest, opts: { signal?: AbortSignal } = {}): Promise<Readable> {
    const tar = await this.store.layers.tarStream(diffId, opts);
    const gz = new ParallelGzip(this.level);
    tar.on('error', (e) => gz.destroy(e));
    return tar.pipe(gz);
  }

  /**
   * Compresses a layer and hands the gzip stream to `send` while it is made (a push uploads it as
   * it comes, as docker's does): the same bytes go to the content store, which gives the digest
   * and size (`made` resolves once the last byte is through) and keeps the blob for the next push.
   * When `send` stops reading its stream (an upload that failed and is tried again from the kept
   * blob), the content store's copy goes on without it. `onRead` counts the uncompressed bytes
   * read (push progress). Resolves once both are done.
   */
  async gzipWhile(
    diffId: Digest,
    send: (body: Readable, made: Promise<{ digest: Digest; size: number }>) => Promise<unknown>,
    opts: { signal?: AbortSignal; onRead?: (bytes: number) => void } = {},
  ): Promise<{ digest: Digest; size: number }> {
    const call = opts.signal ? { signal: opts.signal } : {};
    const tar = await this.store.layers.tarStream(diffId, call);
    const gz = new ParallelGzip(this.level);
    const toStore = new PassThrough({ highWaterMark: 1 << 20 });
    const toWire = new PassThrough({ highWaterMark: 1 << 20 });
    const fail = (e: Error): void => {
      gz.destroy(e);
      toStore.destroy(e);
      toWire.destroy(e);
    };
    tar.on('error', fail);
    gz.on('error', fail);
    if (opts.onRead) tar.on('data', (c: Buffer) => opts.onRead!(c.length));
    tar.pipe(gz);
    gz.pipe(toStore);
    gz.pipe(toWire);
    // toWire destroyed by `send` (an upload that gave up on it) closes, and pipe() unpipes it:
    // the store's copy does not wait for it
    const stored = this.store.content.write(toStore, undefined, call);
    const made = stored.then((i) => ({ digest: i.digest as Digest, size: i.size }));
    made.catch(() => undefined); // awaited by `send` (and below)
    try {
      await Promise.all([stored, send(toWire, made)]);
    } catch (e) {
      tar.destroy();
      fail(e instanceof Error ? e : new Error(String(e)));
      throw e;
    }
    const info = await made;
    await this.db.run('INSERT OR REPLACE INTO compressed_layers (diff_id, compression, digest, size) VALUES (?, ?, ?, ?)', [diffId, 'gzip', info.digest, info.size]);
    return info;
  }
}
