import {
  ConflictError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
} from '@berth/errdefs';
import {
  chainIds,
  familiarString,
  globMatch,
  isDigest,
  parseJsonExact,
  parseReference,
  rfc3339Nano,
  sha256Digest,
  shortId,
  withDefaultTag,
  type Digest,
  type ImageConfig,
} from '@berth/oci';
import type { Database, Queryable } from '@berth/sqlite';
import type { LocalContentStore } from './content/local-content-store';
import type {
  CreateImageOptions,
  DeleteImageOptions,
  DeleteResponseItem,
  HistoryItem,
  ImageCatalog,
  ImageInUseCheck,
  ImageListFilters,
  ImageRecord,
  ImageUser,
  PruneImagesOptions,
  PruneImagesResult,
} from './image-catalog';
import type { LocalLayerStore } from './local-layer-store';
import type { Logger } from '@berth/log';
import { fromStoredName, storedReference, type StoredReference } from './references';
import { configBytes } from './config-bytes';

interface ImageRow {
  id: string;
  config_size: number;
  created: string;
  stored: string;
  size: number;
  parent: string | null;
  last_tag_time: string | null;
}

interface RefRow {
  name: string;
  repo: string;
  kind: 'tag' | 'digest';
  image_id: string;
}

interface Conflict {
  hard: boolean;
  used: boolean;
  error: ConflictError;
}

/**
 * What keeps a content blob: an image's config (its id), a blob listed with an image (manifests,
 * indexes, pushed layers' gzip forms), a layer's tar (its diffID). The one list for dropping a
 * blob after a delete and for the sweep at open.
 */
const BLOB_REFERENCES: readonly (readonly [table: string, column: string])[] = [
  ['images', 'id'],
  ['image_blobs', 'digest'],
  ['layers', 'diff_id'],
];

/** Accumulates what one delete or prune did. */
interface DeleteContext {
  records: DeleteResponseItem[];
  reclaimed: number;
  inUse: ImageInUseCheck;
}

const MAX_CONFIG = 8 * 1024 * 1024;

/** Validates a config blob's JSON and returns it parsed. */
export function parseImageConfig(buf: Buffer, what = 'image config'): ImageConfig {
  let v: unknown;
  try {
    // Go's int64s exact (a Healthcheck duration or StopTimeout beyond 2^53 as a bigint)
    v = parseJsonExact(buf.toString('utf8'), { bigintsOnly: true });
  } catch (e) {
    throw new InvalidArgumentError(`${what}: invalid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InvalidArgumentError(`${what}: not a JSON object`);
  const c = v as ImageConfig;
  const rootfs = c.rootfs as unknown as { diff_ids?: unknown } | undefined;
  if (typeof rootfs !== 'object' || rootfs === null) throw new InvalidArgumentError(`${what}: rootfs missing`);
  // moby writes no diff_ids for an image without layers (omitempty: FROM scratch then metadata
  // steps); in memory it is [] (the bytes, hence the ID, stay as they are)
  if (rootfs.diff_ids === undefined) rootfs.diff_ids = [];
  if (!Array.isArray(rootfs.diff_ids)) throw new InvalidArgumentError(`${what}: rootfs.diff_ids is not an array`);
  for (const d of rootfs.diff_ids) {
    if (typeof d !== 'string' || !isDigest(d) || !d.startsWith('sha256:')) throw new InvalidArgumentError(`${what}: invalid diff_id ${JSON.stringify(d)}`);
  }
  return c;
}

/** The catalog of images and references, in SQLite; configs in the content store. */
export class SqliteImageCatalog implements ImageCatalog {
  private readonly configs = new Map<string, { config: ImageConfig; size: number }>();

  constructor(
    private readonly db: Database,
    private readonly content: LocalContentStore,
    private readonly layers: LocalLayerStore,
    private readonly logger: Logger,
    private readonly defaultInUse: ImageInUseCheck = async () => undefined,
  ) {}

  // ---- lookups ----

  async resolve(nameOrId: string): Promise<Digest> {
    const id = await this.tryResolve(nameOrId);
    if (id === undefined) throw new NotFoundError(`No such image: ${displayName(nameOrId)}`);
    return id;
  }

  private async tryResolve(nameOrId: string): Promise<Digest | undefined> {
    const s = nameOrId.trim();
    const full = /^(?:sha256:)?([a-f0-9]{64})$/.exec(s);
    if (full) {
      const id = `sha256:${full[1]}`;
      if (await this.db.get('SELECT 1 FROM images WHERE id = ?', [id])) return id as Digest;
    }
    let ref: StoredReference | undefined;
    if (!s.startsWith('sha256:')) {
      try {
        ref = storedReference(s);
      } catch (e) {
        if (!/^[a-f0-9]+$/.test(s)) throw e;
      }
    }
    if (ref) {
      const r = await this.db.get<{ image_id: string }>('SELECT image_id FROM refs WHERE name = ?', [ref.name]);
      if (r) return r.image_id as Digest;
    }
    const prefix = /^(?:sha256:)?([a-f0-9]{1,63})$/.exec(s);
    if (prefix) {
      const rows = await this.db.all<{ id: string }>("SELECT id FROM images WHERE substr(id, 8, ?) = ? LIMIT 2", [prefix[1]!.length, prefix[1]!]);
      if (rows.length === 1) return rows[0]!.id as Digest;
      if (rows.length > 1) throw new InvalidArgumentError(`image "${s}": ambiguous ID prefix, several images match`);
    }
    return undefined;
  }

  async find(nameOrId: string): Promise<ImageRecord | undefined> {
    const id = await this.tryResolve(nameOrId);
    return id === undefined ? undefined : this.record(id);
  }

  async get(nameOrId: string): Promise<ImageRecord> {
    return this.record(await this.resolve(nameOrId));
  }

  async loadConfig(id: string): Promise<{ config: ImageConfig; size: number }> {
    let c = this.configs.get(id);
    if (!c) {
      const buf = await this.content.readBuffer(id as Digest, { maxSize: MAX_CONFIG });
      c = { config: parseImageConfig(buf), size: buf.length };
      this.configs.set(id, c);
    }
    return c;
  }

  private async record(id: string, refsOverride?: RefRow[]): Promise<ImageRecord> {
    const row = await this.db.get<ImageRow>('SELECT * FROM images WHERE id = ?', [id]);
    if (!row) throw new NotFoundError(`No such image: ${id}`);
    const refs = refsOverride ?? (await this.db.all<RefRow>('SELECT * FROM refs WHERE image_id = ?', [id]));
    return this.build(row, refs);
  }

  private async build(row: ImageRow, refs: RefRow[]): Promise<ImageRecord> {
    const { config, size } = await this.loadConfig(row.id);
    const tags = refs.filter((r) => r.kind === 'tag').map((r) => fromStoredName(r.name).familiar).sort();
    const digests = refs.filter((r) => r.kind === 'digest').map((r) => fromStoredName(r.name).familiar).sort();
    const rec: ImageRecord = {
      id: row.id as Digest,
      config,
      configSize: size,
      created: new Date(row.created),
      size: row.size,
      repoTags: tags,
      repoDigests: digests,
      layers: config.rootfs.diff_ids as Digest[],
      labels: { ...(config.config?.Labels ?? {}) },
    };
    if (row.parent) rec.parent = row.parent as Digest;
    if (row.last_tag_time) rec.lastTagTime = row.last_tag_time;
    return rec;
  }

  async list(filters: ImageListFilters = {}): Promise<ImageRecord[]> {
    const rows = await this.db.all<ImageRow>('SELECT * FROM images');
    const refs = await this.db.all<RefRow>('SELECT * FROM refs');
    const byImage = new Map<string, RefRow[]>();
    for (const r of refs) {
      const l = byImage.get(r.image_id) ?? [];
      l.push(r);
      byImage.set(r.image_id, l);
    }
    const parents = new Set(rows.map((r) => r.parent).filter((p): p is string => !!p));
    const before = filters.before !== undefined ? await this.get(filters.before) : undefined;
    const since = filters.since !== undefined ? await this.get(filters.since) : undefined;
    const out: ImageRecord[] = [];
    for (const row of rows) {
      let imgRefs = byImage.get(row.id) ?? [];
      // moby's Images(): dangling = no tag (digest references allowed) and no child image.
      const hasTag = imgRefs.some((r) => r.kind === 'tag');
      if (filters.dangling === true && (hasTag || parents.has(row.id))) continue;
      if (filters.dangling === false && imgRefs.length === 0) continue;
      if (!filters.all && imgRefs.length === 0 && parents.has(row.id)) continue;
      if (filters.reference && filters.reference.length > 0) {
        imgRefs = imgRefs.filter((r) => {
          const s = fromStoredName(r.name);
          return filters.reference!.some((p) => globMatch(p, s.familiar) || globMatch(p, s.familiarName) || globMatch(p, s.name));
        });
        if (imgRefs.length === 0) continue;
      }
      const rec = await this.build(row, imgRefs);
      if (filters.label && !labelsMatch(rec.labels, filters.label)) continue;
      if (before && rec.created.getTime() >= before.created.getTime()) continue;
      if (since && rec.created.getTime() <= since.created.getTime()) continue;
      out.push(rec);
    }
    out.sort((a, b) => b.created.getTime() - a.created.getTime());
    return out;
  }

  async children(id: Digest): Promise<Digest[]> {
    const rows = await this.db.all<{ id: string }>('SELECT id FROM images WHERE parent = ?', [id]);
    return rows.map((r) => r.id as Digest);
  }

  async history(nameOrId: string): Promise<HistoryItem[]> {
    const img = await this.get(nameOrId);
    const sizes = new Map<string, number>();
    for (const d of img.layers) sizes.set(d, (await this.layers.get(d))?.size ?? 0);
    const entries = img.config.history ?? [];
    const items: HistoryItem[] = [];
    let layer = 0;
    for (const h of entries) {
      let size = 0;
      if (!h.empty_layer) {
        const d = img.layers[layer++];
        size = d ? (sizes.get(d) ?? 0) : 0;
      }
      items.unshift({
        id: '<missing>',
        created: h.created ? Math.floor(Date.parse(h.created) / 1000) : 0,
        createdBy: h.created_by ?? '',
        tags: [],
        size,
        comment: h.comment ?? '',
      });
    }
    if (entries.length === 0) {
      for (const d of img.layers) items.unshift({ id: '<missing>', created: Math.floor(img.created.getTime() / 1000), createdBy: '', tags: [], size: sizes.get(d) ?? 0, comment: '' });
    }
    let cur: ImageRecord | undefined = img;
    for (const item of items) {
      if (!cur) break;
      item.id = cur.id;
      item.tags = cur.repoTags;
      cur = cur.parent ? await this.find(cur.parent) : undefined;
    }
    return items;
  }

  // ---- writes ----

  async create(input: Buffer | ImageConfig, opts: CreateImageOptions = {}): Promise<ImageRecord> {
    const buf = Buffer.isBuffer(input) ? input : configBytes(input);
    const config = parseImageConfig(buf);
    const id = sha256Digest(buf);
    const diffIds = config.rootfs.diff_ids as Digest[];
    const layerRows: { diff_id: string; size: number }[] = [];
    for (const d of diffIds) {
      const r = await this.layers.get(d);
      if (!r) throw new FailedPreconditionError(`image ${id}: layer ${d} is not in the layer store`);
      layerRows.push({ diff_id: d, size: r.size });
    }
    const refs = (opts.references ?? []).map((r) => storedReference(r));
    if (opts.parent !== undefined && !(await this.db.get('SELECT 1 FROM images WHERE id = ?', [opts.parent]))) {
      throw new NotFoundError(`No such image: ${opts.parent}`);
    }
    await this.content.write(buf, { digest: id }, { signal: opts.signal });
    const chains = chainIds(diffIds);
    const now = new Date().toISOString();
    const createdMs = config.created ? Date.parse(config.created) : NaN;
    const created = Number.isFinite(createdMs) ? new Date(createdMs).toISOString() : now;
    // Docker counts a layer once per image even if the same diffID appears twice.
    const size = [...new Map(layerRows.map((l) => [l.diff_id, l.size])).values()].reduce((a, b) => a + b, 0);
    await this.db.transaction(async (tx) => {
      const existing = await tx.get('SELECT 1 FROM images WHERE id = ?', [id]);
      if (!existing) {
        // the parent checked above may have been removed meanwhile: no image gets a missing parent
        if (opts.parent !== undefined && !(await tx.get('SELECT 1 FROM images WHERE id = ?', [opts.parent]))) {
          throw new NotFoundError(`No such image: ${opts.parent}`);
        }
        await tx.run('INSERT INTO images (id, config_size, created, stored, size, parent, last_tag_time) VALUES (?, ?, ?, ?, ?, ?, NULL)', [
          id,
          buf.length,
          created,
          now,
          size,
          opts.parent ?? null,
        ]);
        for (let i = 0; i < diffIds.length; i++) {
          await tx.run('INSERT INTO image_layers (image_id, position, diff_id, chain_id) VALUES (?, ?, ?, ?)', [id, i, diffIds[i]!, chains[i]!]);
        }
      }
      for (const b of opts.blobs ?? []) await tx.run('INSERT OR IGNORE INTO image_blobs (image_id, digest) VALUES (?, ?)', [id, b]);
      for (const r of refs) await this.putRef(tx, r, id, now);
    });
    this.layers.claim(diffIds);
    this.configs.set(id, { config, size: buf.length });
    this.logger.info({ id, references: refs.map((r) => r.name) }, 'image stored');
    return this.record(id);
  }

  async setParent(nameOrId: string, parent: string): Promise<void> {
    const id = await this.resolve(nameOrId);
    const p = await this.resolve(parent);
    // One transaction: the check and the update see the same rows, so an rmi of either image
    // (its own transaction) lands before (NotFound here) or after (it clears the parent).
    await this.db.transaction(async (tx) => {
      for (const i of [id, p]) {
        if (!(await tx.get('SELECT 1 FROM images WHERE id = ?', [i]))) throw new NotFoundError(`No such image: ${i}`);
      }
      for (let cur: string | undefined = p, depth = 0; cur !== undefined && depth < 100_000; depth++) {
        if (cur === id) throw new InvalidArgumentError(`image ${id}: ${p} cannot be its parent: it is the image or one of its children`);
        cur = (await tx.get<{ parent: string | null }>('SELECT parent FROM images WHERE id = ?', [cur]))?.parent ?? undefined;
      }
      await tx.run('UPDATE images SET parent = ? WHERE id = ?', [p, id]);
    });
  }

  private async putRef(tx: Queryable, r: StoredReference, id: string, now: string): Promise<void> {
    await tx.run('INSERT OR REPLACE INTO refs (name, repo, kind, image_id, created) VALUES (?, ?, ?, ?, ?)', [r.name, r.repo, r.kind, id, now]);
    // moby's SetLastUpdated: time.Now().Format(time.RFC3339Nano), the daemon's zone
    if (r.kind === 'tag') await tx.run('UPDATE images SET last_tag_time = ? WHERE id = ?', [rfc3339Nano(new Date(), { local: true }), id]);
  }

  async tag(nameOrId: string, reference: string): Promise<void> {
    const id = await this.resolve(nameOrId);
    const r = storedReference(reference);
    const now = new Date().toISOString();
    await this.db.transaction((tx) => this.putRef(tx, r, id, now));
  }

  private async refsOf(id: string): Promise<RefRow[]> {
    return this.db.all<RefRow>('SELECT * FROM refs WHERE image_id = ? ORDER BY name', [id]);
  }

  private async removeRef(name: string): Promise<void> {
    await this.db.run('DELETE FROM refs WHERE name = ?', [name]);
  }

  async delete(nameOrId: string, opts: DeleteImageOptions = {}): Promise<DeleteResponseItem[]> {
    const force = opts.force === true;
    const ctx: DeleteContext = { records: [], reclaimed: 0, inUse: opts.isImageInUse ?? this.defaultInUse };
    await this.deleteImage(nameOrId, force, opts.noPrune !== true, ctx);
    return ctx.records;
  }

  /** moby's ImageDelete, step by step. */
  private async deleteImage(nameOrId: string, force: boolean, prune: boolean, ctx: DeleteContext): Promise<void> {
    const id = await this.resolve(nameOrId);
    let refs = await this.refsOf(id);
    let removedRepositoryRef = false;
    if (!isIdPrefix(id, nameOrId)) {
      const ref = storedReference(nameOrId);
      if (!force && isSingleReference(refs)) {
        const user = await this.user(id, ctx);
        if (user) {
          throw new ConflictError(
            `conflict: unable to remove repository reference "${nameOrId}" (must force) - container ${shortId(user.id)} is using its referenced image ${shortId(id)}`,
          );
        }
      }
      await this.removeRef(ref.name);
      ctx.records.push({ kind: 'untagged', reference: ref.familiar });
      refs = await this.refsOf(id);
      if (ref.kind === 'tag' && !refs.some((r) => r.kind === 'tag' && r.repo === ref.repo)) {
        const remaining: RefRow[] = [];
        for (const r of refs) {
          if (r.kind === 'digest' && r.repo === ref.repo) {
            await this.removeRef(r.name);
            ctx.records.push({ kind: 'untagged', reference: fromStoredName(r.name).familiar });
          } else remaining.push(r);
        }
        refs = remaining;
      }
      if (refs.length > 0) return;
      removedRepositoryRef = true;
    } else if (isSingleReference(refs)) {
      const c = await this.conflict(id, { hard: true, activeReference: false, stopped: !force }, ctx);
      if (c) throw c.error;
      for (const r of refs) {
        await this.removeRef(r.name);
        ctx.records.push({ kind: 'untagged', reference: fromStoredName(r.name).familiar });
      }
    }
    await this.deleteHelper(id, force, prune, removedRepositoryRef, ctx);
  }

  private async deleteHelper(id: string, force: boolean, prune: boolean, quiet: boolean, ctx: DeleteContext): Promise<void> {
    const c = await this.conflict(id, { hard: true, activeReference: !force, stopped: !force }, ctx);
    if (c) {
      // moby's imageIsDangling: no reference AND no child image. A parent shared with another
      // build's steps has children, so pruning the parent chain stops there quietly.
      const dangling = (await this.refsOf(id)).length === 0 && (await this.children(id as Digest)).length === 0;
      if (quiet && (!dangling || c.used)) return;
      throw c.error;
    }
    const row = await this.db.get<ImageRow>('SELECT * FROM images WHERE id = ?', [id]);
    if (!row) return;
    for (const r of await this.refsOf(id)) {
      await this.removeRef(r.name);
      ctx.records.push({ kind: 'untagged', reference: fromStoredName(r.name).familiar });
    }
    const chains = await this.db.all<{ diff_id: string; chain_id: string }>('SELECT diff_id, chain_id FROM image_layers WHERE image_id = ? ORDER BY position DESC', [id]);
    const blobs = await this.db.all<{ digest: string }>('SELECT digest FROM image_blobs WHERE image_id = ?', [id]);
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM image_blobs WHERE image_id = ?', [id]);
      await tx.run('DELETE FROM image_layers WHERE image_id = ?', [id]);
      await tx.run('UPDATE images SET parent = NULL WHERE parent = ?', [id]);
      await tx.run('DELETE FROM images WHERE id = ?', [id]);
    });
    this.configs.delete(id);
    ctx.records.push({ kind: 'deleted', id: id });
    const removed = await this.layers.prune();
    const removedIds = new Set(removed.map((l) => l.diffId as string));
    for (const ch of chains) {
      if (removedIds.has(ch.diff_id)) {
        ctx.records.push({ kind: 'deleted', id: ch.chain_id });
        removedIds.delete(ch.diff_id);
      }
    }
    ctx.reclaimed += removed.reduce((a, l) => a + l.size, 0);
    await this.dropBlobIfUnused(id);
    for (const b of blobs) await this.dropBlobIfUnused(b.digest);
    this.logger.info({ id }, 'image deleted');
    if (!prune || !row.parent) return;
    await this.deleteHelper(row.parent, false, true, true, ctx);
  }

  private async dropBlobIfUnused(digest: string): Promise<void> {
    for (const [table, column] of BLOB_REFERENCES) if (await this.db.get(`SELECT 1 FROM ${table} WHERE ${column} = ?`, [digest])) return;
    await this.content.delete(digest as Digest).catch(() => undefined);
  }

  /**
   * Removes every blob of the content store that nothing references (BLOB_REFERENCES): what a
   * crash left between a blob's write and the row naming it (an image's config written before
   * its record, a pulled or pushed manifest before it is listed, a pushed layer's gzip form).
   * Only at open, before any operation: berthd is the only user of its data root, and a write in
   * progress lives in tmp/ until it is complete (emptied at open), so nothing a running operation
   * writes can be taken. Returns the digests removed.
   */
  async sweepUnreferencedBlobs(): Promise<Digest[]> {
    const referenced = new Set<string>();
    for (const [table, column] of BLOB_REFERENCES) {
      for (const r of await this.db.all<{ d: string }>(`SELECT ${column} AS d FROM ${table}`)) referenced.add(r.d);
    }
    const removed: Digest[] = [];
    for (const b of await this.content.list()) {
      if (referenced.has(b.digest)) continue;
      await this.content.delete(b.digest as Digest);
      removed.push(b.digest as Digest);
    }
    return removed;
  }

  private async user(id: string, ctx: DeleteContext): Promise<ImageUser | undefined> {
    const u = await ctx.inUse(id as Digest);
    if (u === undefined) return undefined;
    // A bare ID: assume running, the conservative reading (force then only untags).
    return typeof u === 'string' ? { id: u, running: true } : u;
  }

  private async conflict(id: string, mask: { hard: boolean; activeReference: boolean; stopped: boolean }, ctx: DeleteContext): Promise<Conflict | undefined> {
    const mk = (hard: boolean, used: boolean, message: string): Conflict => ({
      hard,
      used,
      error: new ConflictError(`conflict: unable to delete ${shortId(id)} (${hard ? 'cannot be forced' : 'must be forced'}) - ${message}`),
    });
    if (mask.hard && (await this.children(id as Digest)).length > 0) return mk(true, false, 'image has dependent child images');
    const user = mask.hard || mask.stopped ? await this.user(id, ctx) : undefined;
    if (mask.hard && user?.running) return mk(true, true, `image is being used by running container ${shortId(user.id)}`);
    if (mask.activeReference && (await this.refsOf(id)).length > 0) return mk(false, false, 'image is referenced in multiple repositories');
    if (mask.stopped && user && !user.running) return mk(false, true, `image is being used by stopped container ${shortId(user.id)}`);
    return undefined;
  }

  async prune(opts: PruneImagesOptions = {}): Promise<PruneImagesResult> {
    const ctx: DeleteContext = { records: [], reclaimed: 0, inUse: opts.isImageInUse ?? this.defaultInUse };
    const rows = await this.db.all<ImageRow>('SELECT * FROM images');
    const parents = new Set(rows.map((r) => r.parent).filter((p): p is string => !!p));
    const candidates = opts.all ? rows : rows.filter((r) => !parents.has(r.id));
    for (const row of candidates) {
      if (!(await this.db.get('SELECT 1 FROM images WHERE id = ?', [row.id]))) continue;
      if (opts.until && new Date(row.created).getTime() >= opts.until.getTime()) continue;
      const { config } = await this.loadConfig(row.id);
      const labels = config.config?.Labels ?? {};
      if (opts.label && !labelsMatch(labels, opts.label)) continue;
      if (opts.labelNot && opts.labelNot.length > 0 && labelsMatch(labels, opts.labelNot, true)) continue;
      if (await ctx.inUse(row.id as Digest)) continue;
      const refs = await this.refsOf(row.id);
      try {
        if (refs.length > 0) {
          const shouldDelete = opts.all === true || !refs.some((r) => r.kind === 'tag');
          if (!shouldDelete) continue;
          for (const r of refs) {
            if (!(await this.db.get('SELECT 1 FROM refs WHERE name = ?', [r.name]))) continue;
            await this.deleteImage(r.name, false, true, ctx);
          }
        } else {
          await this.deleteImage(row.id, false, true, ctx);
        }
      } catch (e) {
        if (e instanceof ConflictError || e instanceof NotFoundError) continue;
        throw e;
      }
    }
    return { deleted: ctx.records, spaceReclaimed: ctx.reclaimed };
  }
}

function isIdPrefix(id: string, s: string): boolean {
  const hex = id.slice('sha256:'.length);
  const t = s.startsWith('sha256:') ? s.slice(7) : s;
  return /^[a-f0-9]+$/.test(t) && hex.startsWith(t);
}

/** moby's isSingleReference: one tag (plus digest references of that repository only). */
function isSingleReference(refs: RefRow[]): boolean {
  if (refs.length <= 1) return refs.length === 1;
  let single: RefRow | undefined;
  const canonical = new Set<string>();
  for (const r of refs) {
    if (r.kind === 'digest') canonical.add(r.repo);
    else if (single === undefined) single = r;
    else return false;
  }
  single ??= refs[0]!;
  return canonical.size === 1 && canonical.has(single.repo);
}

/** `key` or `key=value` filters; all must match (any, with `any`). */
function labelsMatch(labels: Record<string, string>, filters: string[], any = false): boolean {
  const test = (f: string): boolean => {
    const eq = f.indexOf('=');
    if (eq < 0) return Object.prototype.hasOwnProperty.call(labels, f);
    return labels[f.slice(0, eq)] === f.slice(eq + 1);
  };
  return any ? filters.some(test) : filters.every(test);
}

/** How docker names an image it cannot find: the familiar reference with its default tag. */
function displayName(s: string): string {
  if (/^(sha256:)?[a-f0-9]{64}$/.test(s)) return s;
  try {
    return familiarString(withDefaultTag(parseReference(s)));
  } catch {
    return s;
  }
}
