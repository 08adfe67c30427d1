import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router, type Request } from 'express';
import { checkFilterKeys, parseBool, type Filters, type ImageDeleteResponseItem, type ImageInspect } from '@berth/api';
import { InvalidArgumentError, NotFoundError, NotImplementedError, isNotFound, messageOf } from '@berth/errdefs';
import { isDigest, isTag, parseReference, familiarName, familiarString, shortId, withDefaultTag } from '@berth/oci';
import type { DeleteResponseItem, ImageArchiver, ImageCatalog, ImageInUseCheck, ImageListFilters, ImageRecord, PruneImagesOptions } from '@berth/image-store';
import { apiAtLeast, asyncHandler, queryBool, queryFilters, queryList, queryString, sendEmpty, sendJson, startJsonStream, type JsonStream } from '../server/route-helpers';
import { applyImageChanges } from '../images/image-changes';
import { LazyProgress, type ProgressWriter } from '../images/progress-writer';
import { progressBar } from '../images/progress';
import { historyView, imageInspect, imageSummary } from '../images/image-views';
import { parseUntil } from '../server/parse-until';
import type { EventLog } from '../events/event-log';
import { imageTagger, tagReference, type TagImage } from '../images/image-tagger';
import { imageEventLogger } from '../images/image-events';
import { silentLogger, type Logger } from '@berth/log';

/**
 * A pull, done by whoever the daemon wires in (ImagePuller: registry-client over image-store).
 * Progress written before a failure turns the failure into an errorDetail line; a failure
 * before any progress is an HTTP error (404 manifest unknown, 500 registry unreachable).
 */
export type PullImage = (opts: { reference: string; authHeader?: string; platform?: string; allTags?: boolean; progress: ProgressWriter; signal: AbortSignal }) => Promise<{ imageId: string; name: string }>;
/** A push (ImagePusher), with the same error rules as a pull. */
export type PushImage = (opts: { name: string; tag?: string; authHeader?: string; progress: ProgressWriter; signal: AbortSignal }) => Promise<void>;

export interface ImagesRoutesDeps {
  images: ImageCatalog;
  archives: ImageArchiver;
  /** Whether a container uses an image (rmi's 409; prune skips it). */
  imageInUse?: ImageInUseCheck;
  events?: EventLog;
  /** The daemon's tag step (images/image-tagger.ts); default: one over `images` and `events`. */
  tagImage?: TagImage;
  pull?: PullImage;
  push?: PushImage;
  /** `GET /distribution/{name}/json`: the registry's descriptor and platforms for a reference. */
  inspectDistribution?: (opts: { reference: string; authHeader?: string; signal: AbortSignal }) => Promise<unknown>;
  /** `GET /images/search`: the registry index's answer, filtered (images/image-search.ts). */
  search?: (opts: { term: string; limit?: string; filters: Filters; authHeader?: string; signal: AbortSignal }) => Promise<unknown[]>;
  /** Layer directories for image inspect's GraphDriver.Data. */
  layerDir?: (diffId: string) => string;
  logger?: Logger;
}

const LIST_FILTERS = ['dangling', 'label', 'before', 'since', 'reference'];
const PRUNE_FILTERS = ['dangling', 'label', 'label!', 'until'];

/** A route parameter captured by one of the image-name regexes. */
function nameParam(req: Request): string {
  const n = (req.params as Record<string, string | undefined>)['name'];
  if (!n) throw new InvalidArgumentError('image name: empty');
  return n;
}

function single(f: Filters, key: string): string | undefined {
  const v = f.get(key);
  if (!v || v.length === 0) return undefined;
  if (v.length > 1) throw new InvalidArgumentError(`invalid filter '${key}': only one value is allowed`);
  return v[0];
}

function danglingFilter(f: Filters): boolean | undefined {
  const v = single(f, 'dangling');
  if (v === undefined) return undefined;
  const s = v.toLowerCase();
  if (s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0') return false;
  throw new InvalidArgumentError(`invalid filter 'dangling=${v}'`);
}

/** Prune's `until`: a unix timestamp, an RFC 3339 time, or a duration before now (`24h`, `90m`). */
/** API 1.44 leaves out VirtualSize (images list, inspect, df); API 1.45 Container and ContainerConfig (inspect). */
export function imageSummaryFor<T extends object>(req: Request, v: T): T {
  if (apiAtLeast(req, '1.44')) delete (v as { VirtualSize?: number }).VirtualSize;
  return v;
}

function imageInspectFor(req: Request, v: ImageInspect): ImageInspect {
  imageSummaryFor(req, v);
  if (apiAtLeast(req, '1.45')) {
    delete (v as Partial<ImageInspect>).Container;
    delete (v as Partial<ImageInspect>).ContainerConfig;
  }
  return v;
}

/** The reference an image event names: familiar form with its tag. */
function familiarRef(s: string): string {
  try {
    return familiarString(withDefaultTag(parseReference(s)));
  } catch {
    return s;
  }
}

/** Which image each familiar reference named (before a prune): its ID; unknown ones as given. */
function refOwners(images: readonly ImageRecord[]): (ref: string) => string {
  const owners = new Map<string, string>();
  for (const i of images) for (const r of [...i.repoTags, ...i.repoDigests]) owners.set(r, i.id);
  return (ref) => owners.get(ref) ?? ref;
}

/** Reads and discards what is left of a request body (after a failure), so the reply reaches the client. */
function drain(req: Request, limitMs = 30_000): Promise<void> {
  if (req.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, limitMs);
    t.unref();
    req.on('end', () => {
      clearTimeout(t);
      resolve();
    });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.resume();
  });
}

/** `/images/...`: list, inspect, history, tag, remove, create (import; pull if wired), load, save, prune. */
export function imagesRouter(deps: ImagesRoutesDeps): Router {
  const r = Router();
  const log = deps.logger ?? silentLogger;
  // moby's LogImageEvent: the image's labels plus `name`, Actor and name as moby passes them
  const logImage = imageEventLogger({ images: deps.images, ...(deps.events ? { events: deps.events } : {}) });
  /** moby's imageDelete events: `untag` and `delete`, Actor and name the image ID. */
  // `images`: the images the removal could delete, by ID, with their labels read before it
  const logRemoval = async (items: DeleteResponseItem[], ownerOf: (ref: string) => string, images: ReadonlyMap<string, Record<string, string>>): Promise<void> => {
    for (const d of items) {
      if (d.kind === 'untagged') {
        const id = ownerOf(d.reference);
        await logImage('untag', id, id, images.get(id) ?? {});
      } else if (images.has(d.id)) await logImage('delete', d.id, d.id, {});
    }
  };
  const tagImage = deps.tagImage ?? imageTagger({ images: deps.images, ...(deps.events ? { events: deps.events } : {}) });

  r.get('/images/json', asyncHandler(async (req, res) => {
    const f = queryFilters(req);
    checkFilterKeys(f, LIST_FILTERS);
    const filters: ImageListFilters = { all: queryBool(req, 'all') };
    const dangling = danglingFilter(f);
    if (dangling !== undefined) filters.dangling = dangling;
    if (f.get('reference')?.length) filters.reference = f.get('reference')!;
    if (f.get('label')?.length) filters.label = f.get('label')!;
    const before = single(f, 'before');
    const since = single(f, 'since');
    if (before !== undefined) filters.before = before;
    if (since !== undefined) filters.since = since;
    const list = await deps.images.list(filters);
    sendJson(res, 200, list.map((i) => imageSummaryFor(req, imageSummary(i))));
  }));

  r.post('/images/create', asyncHandler(async (req, res) => {
    const fromSrc = queryString(req, 'fromSrc');
    const fromImage = queryString(req, 'fromImage');
    if (fromSrc !== undefined && fromSrc !== '') {
      if (fromSrc !== '-') throw new NotImplementedError(`import from ${fromSrc}: only "-" (the request body) is supported`);
      const repo = queryString(req, 'repo');
      const tag = queryString(req, 'tag');
      // moby's ImportImage: a digest reference is refused before the body is read, then the tag step's join
      let reference: string | undefined;
      if (repo) {
        let asked;
        try {
          asked = parseReference(repo);
        } catch (e) {
          throw new InvalidArgumentError(messageOf(e), { cause: e });
        }
        if (asked.digest !== undefined) throw new InvalidArgumentError('cannot import digest reference');
        reference = tagReference(repo, tag);
      }
      const changes = applyImageChanges({}, queryList(req, 'changes'));
      const message = queryString(req, 'message');
      const ac = new AbortController();
      req.on('close', () => {
        if (!req.readableEnded) ac.abort();
      });
      let id: string;
      try {
        id = await deps.archives.import(req, {
          changes,
          ...(message ? { message } : {}),
          source: '-',
          signal: ac.signal,
        });
      } catch (e) {
        await drain(req);
        throw e;
      }
      // moby's ImportImage: TagImageWithReference (an `image tag` event), then `import` named by the ID
      if (reference !== undefined) await tagImage(id, reference);
      await logImage('import', id, id);
      const s = startJsonStream(res);
      s.write({ status: id });
      s.end();
      return;
    }
    if (fromImage !== undefined && fromImage !== '') {
      const tag = queryString(req, 'tag');
      let reference: string;
      // no tag anywhere: every tag of the repository (`docker pull -a`), as the API documents
      let allTags: boolean;
      try {
        // moby's PullImage: `pull -a` may send the name with a trailing ':'; a digest `tag`
        // replaces fromImage's tag and digest (WithDigest(TrimNamed)); any other `tag` replaces its
        // tag and keeps its digest (WithTag: `repo@D` + `T` is `repo:T@D`, pulled by D, only
        // `repo@D` stored as the reference store favours the digest; the progress, the status
        // and the event name `repo:T@D`)
        const image = fromImage.endsWith(':') ? fromImage.slice(0, -1) : fromImage;
        let ref = parseReference(image);
        if (tag) {
          if (isDigest(tag)) ref = { domain: ref.domain, path: ref.path, digest: tag };
          else if (!isTag(tag)) throw new InvalidArgumentError('invalid tag format'); // WithTag's ErrTagInvalidFormat
          else ref = { ...ref, tag };
        }
        reference = familiarString(ref);
        allTags = !tag && ref.tag === undefined && ref.digest === undefined;
      } catch (e) {
        throw new InvalidArgumentError(messageOf(e));
      }
      if (!deps.pull) throw new NotImplementedError(`pull ${familiarRef(reference)}: pull is not implemented yet`);
      const ac = new AbortController();
      res.on('close', () => {
        if (!res.writableFinished) ac.abort();
      });
      let stream: JsonStream | undefined;
      const progress = new LazyProgress(() => (stream = startJsonStream(res)));
      const authHeader = req.headers['x-registry-auth'];
      const platform = queryString(req, 'platform');
      try {
        await deps.pull({
          reference,
          ...(typeof authHeader === 'string' ? { authHeader } : {}),
          ...(platform ? { platform } : {}),
          ...(allTags ? { allTags } : {}),
          progress,
          signal: ac.signal,
        });
        // moby's pull: Actor.ID the reference as asked, name its repository (familiar forms)
        const asked = parseReference(reference);
        await logImage('pull', familiarString(asked), familiarName(asked));
        (stream ?? startJsonStream(res)).end();
      } catch (e) {
        if (!stream) throw e;
        stream.fail(e);
      }
      return;
    }
    throw new InvalidArgumentError('fromImage or fromSrc is required');
  }));

  r.post('/images/load', asyncHandler(async (req, res) => {
    const quiet = queryBool(req, 'quiet');
    const ac = new AbortController();
    req.on('close', () => {
      if (!req.readableEnded) ac.abort();
    });
    const lines: string[] = [];
    let failure: unknown;
    let stream: JsonStream | undefined;
    const out = (): JsonStream => (stream ??= startJsonStream(res));
    // docker (quiet=0): one `Loading layer` progress line per layer it adds, id = the diffID's short id
    const onLayer = quiet
      ? undefined
      : (l: { diffId: string; size: number }): void => {
          out().write({ status: 'Loading layer', progressDetail: { current: l.size, total: l.size }, progress: progressBar(l.size, l.size), id: shortId(l.diffId) });
        };
    try {
      const loaded = await deps.archives.load(req, { signal: ac.signal, ...(onLayer ? { onLayer } : {}) });
      for (const img of loaded) {
        if (img.reference) {
          lines.push(`Loaded image: ${img.reference}\n`);
        } else {
          lines.push(`Loaded image ID: ${img.imageId}\n`);
        }
        await logImage('load', img.imageId, img.imageId);
      }
    } catch (e) {
      failure = e;
      log.debug({ err: messageOf(e) }, 'load failed');
      await drain(req);
    }
    const s = out();
    for (const l of lines) s.write({ stream: l });
    if (failure !== undefined) s.fail(failure);
    else s.end();
  }));

  const save = async (names: string[], res: import('express').Response): Promise<void> => {
    if (names.length === 0) throw new InvalidArgumentError('names: at least one image is required');
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    // the archiver names the images it saves (a bare repository is every tag of it, as Docker)
    const ids: string[] = [];
    const tar: Readable = await deps.archives.save(names, { signal: ac.signal, onImage: (id) => ids.push(id) });
    try {
      res.status(200);
      res.setHeader('Content-Type', 'application/x-tar');
      await pipeline(tar, res);
    } catch (e) {
      log.warn({ err: messageOf(e), names }, 'save failed mid-stream');
      tar.destroy();
      res.destroy();
      return;
    }
    // moby's save: one `save` event per image written, named by its ID
    for (const id of ids) await logImage('save', id, id);
  };
  r.get('/images/get', asyncHandler(async (req, res) => save(queryList(req, 'names'), res)));

  r.post('/images/prune', asyncHandler(async (req, res) => {
    const f = queryFilters(req);
    checkFilterKeys(f, PRUNE_FILTERS);
    const dangling = danglingFilter(f);
    const opts: PruneImagesOptions = { all: dangling === false };
    if (f.get('label')?.length) opts.label = f.get('label')!;
    if (f.get('label!')?.length) opts.labelNot = f.get('label!')!;
    const until = single(f, 'until');
    if (until !== undefined) opts.until = parseUntil(until);
    if (deps.imageInUse) opts.isImageInUse = deps.imageInUse;
    // moby's prune deletes image by image: `untag` and `delete` events named by the image ID
    // (layers removed on the way are in the answer, not in events)
    const before = await deps.images.list({ all: true });
    const result = await deps.images.prune(opts);
    await logRemoval(result.deleted, refOwners(before), new Map(before.map((i) => [i.id as string, i.labels])));
    sendJson(res, 200, { ImagesDeleted: result.deleted.length ? result.deleted.map(deleteItem) : null, SpaceReclaimed: result.spaceReclaimed });
  }));

  // POST /build and /build/prune: routes/build.ts (the build helper).

  r.get('/images/search', asyncHandler(async (req, res) => {
    if (!deps.search) throw new NotImplementedError('search is not implemented');
    const ac = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) ac.abort();
    });
    const authHeader = req.headers['x-registry-auth'];
    const limit = queryString(req, 'limit');
    const results = await deps.search({
      term: queryString(req, 'term') ?? '',
      ...(limit !== undefined ? { limit } : {}),
      filters: queryFilters(req),
      ...(typeof authHeader === 'string' ? { authHeader } : {}),
      signal: ac.signal,
    });
    sendJson(res, 200, results);
  }));

  r.get(/^\/images\/(?<name>.+)\/json$/, asyncHandler(async (req, res) => {
    const name = nameParam(req);
    try {
      const rec = await deps.images.get(name);
      let data: Record<string, string> | null = null;
      if (deps.layerDir && rec.layers.length > 0) {
        const dirs = rec.layers.map((l) => deps.layerDir!(l)).reverse();
        data = { UpperDir: dirs[0]! };
        if (dirs.length > 1) data['LowerDir'] = dirs.slice(1).join(':');
      }
      sendJson(res, 200, imageInspectFor(req, imageInspect(rec, data)));
    } catch (e) {
      if (isNotFound(e)) throw new NotFoundError(`no such image: ${name}: ${messageOf(e)}`, { cause: e });
      throw e;
    }
  }));

  r.get(/^\/images\/(?<name>.+)\/history$/, asyncHandler(async (req, res) => {
    sendJson(res, 200, historyView(await deps.images.history(nameParam(req))));
  }));

  r.get(/^\/images\/(?<name>.+)\/get$/, asyncHandler(async (req, res) => save([nameParam(req)], res)));

  r.post(/^\/images\/(?<name>.+)\/tag$/, asyncHandler(async (req, res) => {
    const source = nameParam(req);
    const repo = queryString(req, 'repo');
    // moby's TagImage: the source image first (404), then the reference (the tag step refuses a
    // digest); an empty or missing repo is ParseNormalizedNamed("")'s "invalid reference format"
    const id = await deps.images.resolve(source);
    if (!repo) throw new InvalidArgumentError('invalid reference format');
    await tagImage(id, tagReference(repo, queryString(req, 'tag')));
    sendEmpty(res, 201);
  }));

  r.post(/^\/images\/(?<name>.+)\/push$/, asyncHandler(async (req, res) => {
    const name = nameParam(req);
    if (!deps.push) throw new NotImplementedError(`push ${name}: push is not implemented yet`);
    const ac = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) ac.abort();
    });
    let stream: JsonStream | undefined;
    const progress = new LazyProgress(() => (stream = startJsonStream(res)));
    const authHeader = req.headers['x-registry-auth'];
    const tag = queryString(req, 'tag');
    try {
      await deps.push({ name, ...(tag ? { tag } : {}), ...(typeof authHeader === 'string' ? { authHeader } : {}), progress, signal: ac.signal });
      // moby's push: Actor.ID the reference pushed, name its repository (familiar forms)
      const pushed = parseReference(tag ? `${name}:${tag}` : name);
      await logImage('push', familiarString(pushed), familiarName(pushed));
      (stream ?? startJsonStream(res)).end();
    } catch (e) {
      if (!stream) throw e;
      stream.fail(e);
    }
  }));

  r.get(/^\/distribution\/(?<name>.+)\/json$/, asyncHandler(async (req, res) => {
    const name = nameParam(req);
    if (!deps.inspectDistribution) throw new NotImplementedError('distribution inspect is not implemented');
    const ac = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) ac.abort();
    });
    const authHeader = req.headers['x-registry-auth'];
    sendJson(res, 200, await deps.inspectDistribution({ reference: name, ...(typeof authHeader === 'string' ? { authHeader } : {}), signal: ac.signal }));
  }));

  r.delete(/^\/images\/(?<name>.+)$/, asyncHandler(async (req, res) => {
    const name = nameParam(req);
    const imageId = await deps.images.resolve(name).catch(() => undefined);
    // the images an rmi can remove: this one and its parent chain
    const chain = new Map<string, Record<string, string>>();
    for (let cur = imageId ? await deps.images.find(imageId) : undefined; cur && !chain.has(cur.id); cur = cur.parent ? await deps.images.find(cur.parent) : undefined) chain.set(cur.id, cur.labels);
    const items = await deps.images.delete(name, {
      force: queryBool(req, 'force'),
      noPrune: parseBool(queryString(req, 'noprune')),
      ...(deps.imageInUse ? { isImageInUse: deps.imageInUse } : {}),
    });
    await logRemoval(items, (ref) => imageId ?? ref, chain);
    sendJson(res, 200, items.map(deleteItem));
  }));

  return r;
}

/** An image-store removal step as docker's `{"Untagged"}` / `{"Deleted"}` item. */
function deleteItem(d: DeleteResponseItem): ImageDeleteResponseItem {
  return d.kind === 'untagged' ? { Untagged: d.reference } : { Deleted: d.id };
}
