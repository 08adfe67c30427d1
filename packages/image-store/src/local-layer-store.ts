import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CancelledError, DataLossError, InternalError, InvalidArgumentError, NotFoundError, isBerthError, storageFailureOf } from '@berth/errdefs';
import { Digester, type Digest } from '@berth/oci';
import type { Database } from '@berth/sqlite';
import type { LocalContentStore } from './content/local-content-store';
import { SpoolTransform } from './content/local-content-store';
import type { IngestLayerOptions, LayerRecord, LayerStore, StagedLayer } from './layer-store';
import { decompressAuto, handOff, type SourceInfo } from './layer-pipeline';
import { detectCompression, packDirectory, unpackLayer } from './layer';
import type { Logger } from '@berth/log';
import type { StorePaths } from './paths';
import { newShortLink } from './short-link';
import { removeTree } from '@berth/fs';

interface LayerRow {
  diff_id: string;
  link: string;
  size: number;
  entries: number;
  tar_size: number;
  created: string;
}

function toRecord(r: LayerRow): LayerRecord {
  return {
    diffId: r.diff_id as Digest,
    link: r.link,
    size: r.size,
    entries: r.entries,
    tarSize: r.tar_size,
    created: new Date(r.created),
  };
}

/** Layer store on the local filesystem, with its rows in SQLite (table `layers`). */
export class LocalLayerStore implements LayerStore {
  /** Layers committed but not yet used by an image: kept from pruning until an image claims them. */
  private readonly unclaimed = new Set<string>();
  private lock: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly paths: StorePaths,
    private readonly db: Database,
    private readonly content: LocalContentStore,
    private readonly logger: Logger,
  ) {}

  /**
   * At open: removes what a commit cut by a crash left (see commit's order): staging dirs, a
   * layer directory whose row was never written (with the tar blob by its diffID, committed just
   * before the row), and short links that lead nowhere.
   */
  async init(): Promise<void> {
    await fs.mkdir(this.paths.linksDir, { recursive: true });
    await fs.mkdir(this.paths.emptyLayerDir, { recursive: true });
    const known = new Set((await this.db.all<{ diff_id: string }>('SELECT diff_id FROM layers')).map((r) => r.diff_id));
    for (const name of await fs.readdir(this.paths.layersDir)) {
      if (name.startsWith('.staging-')) await removeTree(path.join(this.paths.layersDir, name));
      else if (/^[0-9a-f]{64}$/.test(name) && !known.has(`sha256:${name}`)) {
        await removeTree(path.join(this.paths.layersDir, name));
        await fs.rm(this.content.blobPath(`sha256:${name}` as Digest), { force: true });
        this.logger.info({ diffId: `sha256:${name}` }, 'removed a layer whose commit a crash cut');
      }
    }
    for (const link of await fs.readdir(this.paths.linksDir)) {
      const p = this.paths.linkPath(link);
      if (!(await exists(p))) await fs.rm(p, { force: true }); // access follows the link: its target is gone
    }
  }

  /** Serialises commits and prunes (both touch the same directories and rows). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.lock.then(fn, fn);
    this.lock = p.catch(() => undefined);
    return p;
  }

  /** Called by the catalog once an image holds these layers. */
  claim(diffIds: readonly string[]): void {
    for (const d of diffIds) this.unclaimed.delete(d);
  }

  /** Gives up layers committed for an image that was not created after all; prune removes them. */
  release(diffIds: readonly string[]): void {
    this.claim(diffIds);
  }

  async get(diffId: Digest): Promise<LayerRecord | undefined> {
    const r = await this.db.get<LayerRow>('SELECT * FROM layers WHERE diff_id = ?', [diffId]);
    return r && toRecord(r);
  }

  async has(diffId: Digest): Promise<boolean> {
    return (await this.get(diffId)) !== undefined;
  }

  async list(): Promise<LayerRecord[]> {
    const rows = await this.db.all<LayerRow>('SELECT * FROM layers ORDER BY created');
    return rows.map(toRecord);
  }

  diffDir(diffId: Digest): string {
    return this.paths.layerDiffDir(diffId);
  }

  async tarStream(diffId: Digest, opts?: { signal?: AbortSignal }): Promise<Readable> {
    if (!(await this.has(diffId))) throw new NotFoundError(`layer ${diffId}: not found`);
    return this.content.readStream(diffId, opts);
  }

  async stage(input: Readable, opts?: { signal?: AbortSignal }): Promise<StagedLayer> {
    const stagingDir = path.join(this.paths.layersDir, `.staging-${randomBytes(8).toString('hex')}`);
    const diffDir = path.join(stagingDir, 'diff');
    await fs.mkdir(diffDir, { recursive: true });
    const { fh, tmp } = await this.content.tempFile();
    const source: SourceInfo = { compressed: false, digester: new Digester() };
    // unpackLayer hashes the uncompressed bytes: the spool need not hash them again.
    const spool = new SpoolTransform(fh, false);
    const pass = handOff();
    // The caller owns `input` (it may be an HTTP request whose socket must live on to carry the
    // error): the pipeline works on a guard; on failure the input is unpiped and drained.
    const guard = handOff();
    const onInputError = (e: Error): void => {
      guard.destroy(e);
    };
    input.on('error', onInputError);
    input.pipe(guard);
    let unpacked: { diffId: Digest; size: number; entries: number };
    try {
      const unpackP = unpackLayer(pass, diffDir, { signal: opts?.signal }).then(
        (r) => {
          pass.resume(); // trailing padding after the end-of-archive blocks still counts for the diffID
          return r;
        },
        (e: unknown) => {
          pass.destroy(e as Error);
          guard.destroy();
          throw e;
        },
      );
      const pipeP = pipeline(guard, decompressAuto(source), spool, pass, { signal: opts?.signal });
      const [u, p] = await Promise.allSettled([unpackP, pipeP]);
      // A full (or failing) data root is the root cause of whatever else failed with it.
      const disk = storageFailureOf(p.status === 'rejected' ? p.reason : undefined) ?? storageFailureOf(u.status === 'rejected' ? u.reason : undefined);
      if (disk) throw new InternalError(`layer: ${disk}`, { cause: p.status === 'rejected' ? p.reason : (u as PromiseRejectedResult).reason });
      // A failing source (truncated, aborted) is the root cause of whatever the unpacker saw.
      if (p.status === 'rejected' && !(u.status === 'rejected' && isBerthError(u.reason) && u.reason.code !== 'INTERNAL')) {
        const e = p.reason as Error;
        if (isBerthError(e)) throw e;
        if (e.name === 'AbortError') throw new CancelledError('layer: cancelled', { cause: e });
        throw new DataLossError(`layer: reading input: ${e.message}`, { cause: e });
      }
      if (u.status === 'rejected') throw u.reason;
      if (p.status === 'rejected') throw p.reason;
      unpacked = u.value;
      // The spooled tar must be the bytes unpackLayer hashed: refuse a compressed stream
      // inside the (already decompressed) stream.
      if (detectCompression(spool.head) !== 'none') throw new InvalidArgumentError('layer: compressed data inside a compressed layer');
      await spool.sync();
      await fh.close();
    } catch (e) {
      input.unpipe(guard);
      if (!input.destroyed) input.resume();
      await fh.close().catch(() => undefined);
      await fs.rm(tmp, { force: true });
      await removeTree(stagingDir);
      throw e;
    } finally {
      input.off('error', onInputError);
    }
    const diffId = unpacked.diffId;
    const tarSize = spool.size;
    const blob = this.content.pending(tmp, diffId, tarSize, true);
    let state: 'staged' | 'committed' | 'discarded' = 'staged';
    const discard = async (): Promise<void> => {
      if (state !== 'staged') return;
      state = 'discarded';
      await blob.discard();
      await removeTree(stagingDir);
    };
    const commit = (): Promise<LayerRecord> =>
      this.exclusive(async () => {
        if (state !== 'staged') throw new InternalError(`layer ${diffId}: already ${state}`);
        const existing = await this.get(diffId);
        if (existing && (await exists(this.paths.layerDiffDir(diffId)))) {
          if (!(await this.content.has(diffId))) await blob.commit();
          else await blob.discard();
          state = 'committed';
          await removeTree(stagingDir);
          this.unclaimed.add(diffId);
          return existing;
        }
        state = 'committed';
        try {
          // order (a crash may cut it anywhere; init undoes every cut state): the layer dir goes
          // in place, its short link, the tar blob, then the row that makes it a layer
          const link = existing?.link ?? newShortLink();
          await fs.writeFile(path.join(stagingDir, 'link'), link);
          const finalDir = this.paths.layerDir(diffId);
          await removeTree(finalDir);
          await fs.rename(stagingDir, finalDir);
          await fs.rm(this.paths.linkPath(link), { force: true });
          await fs.symlink(this.paths.linkTarget(diffId), this.paths.linkPath(link));
          await blob.commit();
          const created = new Date().toISOString();
          await this.db.run(
            `INSERT INTO layers (diff_id, link, size, entries, tar_size, created) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (diff_id) DO UPDATE SET link = excluded.link, size = excluded.size, entries = excluded.entries, tar_size = excluded.tar_size`,
            [diffId, link, unpacked.size, unpacked.entries, tarSize, created],
          );
          this.unclaimed.add(diffId);
          this.logger.debug({ diffId, size: unpacked.size }, 'layer committed');
          return { diffId, link, size: unpacked.size, entries: unpacked.entries, tarSize, created: new Date(created) };
        } catch (e) {
          await removeTree(stagingDir);
          await blob.discard();
          throw e;
        }
      });
    return {
      diffId,
      size: unpacked.size,
      entries: unpacked.entries,
      sourceDigest: source.compressed ? source.digester.digest() : diffId,
      sourceSize: source.compressed ? source.digester.size : tarSize,
      commit,
      discard,
    };
  }

  async ingest(input: Readable, opts?: IngestLayerOptions): Promise<LayerRecord> {
    const staged = await this.stage(input, { signal: opts?.signal });
    if (opts?.expectedDiffId !== undefined && opts.expectedDiffId !== staged.diffId) {
      await staged.discard();
      throw new DataLossError(`layer ${opts.expectedDiffId}: diffID mismatch, content hashes to ${staged.diffId}`);
    }
    return staged.commit();
  }

  async ingestDirectory(dir: string, opts?: { mode?: 'rootfs' | 'overlay-diff'; signal?: AbortSignal }): Promise<LayerRecord> {
    const tar = packDirectory(dir, { mode: opts?.mode ?? 'overlay-diff', signal: opts?.signal });
    return this.ingest(tar, { signal: opts?.signal });
  }

  async prune(): Promise<LayerRecord[]> {
    return this.exclusive(async () => {
      const rows = await this.db.all<LayerRow>(
        `SELECT * FROM layers WHERE diff_id NOT IN (SELECT diff_id FROM image_layers)
           AND diff_id NOT IN (SELECT diff_id FROM snapshot_layers)`,
      );
      const removed: LayerRecord[] = [];
      for (const r of rows) {
        if (this.unclaimed.has(r.diff_id)) continue;
        await this.db.run('DELETE FROM layers WHERE diff_id = ?', [r.diff_id]);
        await fs.rm(this.paths.linkPath(r.link), { force: true });
        await removeTree(this.paths.layerDir(r.diff_id));
        await fs.rm(this.content.blobPath(r.diff_id as Digest), { force: true });
        removed.push(toRecord(r));
        this.logger.debug({ diffId: r.diff_id }, 'layer removed');
      }
      return removed;
    });
  }

  /** Link names of the given layers, for mount options. */
  async links(diffIds: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    for (const d of diffIds) {
      const r = await this.db.get<{ link: string }>('SELECT link FROM layers WHERE diff_id = ?', [d]);
      if (!r) throw new NotFoundError(`layer ${d}: not found`);
      out.push(r.link);
    }
    return out;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

