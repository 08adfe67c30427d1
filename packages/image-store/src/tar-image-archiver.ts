import { Readable } from 'node:stream';
import { once } from 'node:events';
import * as tar from 'tar-stream';
import { DataLossError, InvalidArgumentError, isBerthError } from '@berth/errdefs';
import {
  MediaType,
  chainIds,
  digestHex,
  familiarString,
  hostPlatform,
  isDigest,
  isIndexMediaType,
  isManifestMediaType,
  parseReference,
  platformMatches,
  rfc3339Nano,
  sha256Digest,
  withDefaultTag,
  type Descriptor,
  type Digest,
  type ImageConfig,
  type Index,
  type Manifest,
} from '@berth/oci';
import { discardAll, readArchive, resolveArchivePath, type ArchiveContents } from './archive-reader';
import type { ImageArchiver, ImportOptions, LoadOptions, LoadedImage, SaveOptions } from './image-archiver';
import type { LocalContentStore } from './content/local-content-store';
import type { LocalLayerStore } from './local-layer-store';
import type { Logger } from '@berth/log';
import type { StagedLayer } from './layer-store';
import { parseImageConfig, type SqliteImageCatalog } from './sqlite-image-catalog';
import { storedReference } from './references';
import { configBytes } from './config-bytes';

interface PlannedImage {
  config: Buffer;
  id: Digest;
  layers: StagedLayer[];
  references: string[];
}

/**
 * Image archives over the content store, layer store and catalog.
 *
 * Storage decision: every layer's *uncompressed* tar is kept in the content store under its
 * diffID (import, load, pull and commit all do it). `save` streams those blobs, so a saved
 * layer hashes to its diffID and save → load gives the same image ID. It costs the disk space
 * of the tar next to the unpacked dir.
 */
export class TarImageArchiver implements ImageArchiver {
  constructor(
    private readonly content: LocalContentStore,
    private readonly layers: LocalLayerStore,
    private readonly images: SqliteImageCatalog,
    private readonly logger: Logger,
  ) {}

  // ---- import ----

  async import(input: Readable, opts: ImportOptions = {}): Promise<Digest> {
    const layer = await this.layers.ingest(input, { signal: opts.signal });
    // moby's ImportImage: time.Now().UTC(), RFC3339Nano
    const now = rfc3339Nano(new Date());
    const comment = opts.message !== undefined && opts.message !== '' ? opts.message : `Imported from ${opts.source ?? '-'}`;
    const platform = opts.platform ?? hostPlatform();
    const config: ImageConfig = {
      architecture: platform.architecture,
      ...(opts.platform?.variant ? { variant: opts.platform.variant } : {}),
      comment,
      config: { ...(opts.changes ?? {}) },
      created: now,
      history: [{ created: now, comment }],
      os: platform.os,
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    };
    try {
      const img = await this.images.create(configBytes(config), { signal: opts.signal });
      return img.id;
    } catch (e) {
      this.layers.release([layer.diffId]);
      await this.layers.prune();
      throw e;
    }
  }

  // ---- load ----

  async load(input: Readable, opts: LoadOptions = {}): Promise<LoadedImage[]> {
    const contents = await readArchive(input, this.layers, { signal: opts.signal });
    let plans: PlannedImage[];
    try {
      if (contents.files.has('manifest.json')) plans = this.planDockerArchive(contents);
      else if (contents.files.has('index.json')) plans = this.planOciLayout(contents);
      else throw new InvalidArgumentError('load: archive has neither manifest.json (docker save) nor index.json (OCI layout)');
      if (plans.length === 0) throw new InvalidArgumentError('load: archive holds no image');
    } catch (e) {
      await discardAll(contents);
      throw e;
    }
    // Everything is verified: publish the layers the images use, drop the rest.
    const used = new Set<StagedLayer>(plans.flatMap((p) => p.layers));
    const committed: string[] = [];
    const out: LoadedImage[] = [];
    try {
      const present = new Set<Digest>();
      for (const l of used) if (await this.layers.has(l.diffId)) present.add(l.diffId);
      for (const l of contents.layers.values()) {
        if (used.has(l)) {
          await l.commit();
          committed.push(l.diffId);
        } else await l.discard();
      }
      for (const l of plans.flatMap((p) => p.layers)) {
        if (present.has(l.diffId)) continue;
        present.add(l.diffId);
        opts.onLayer?.({ diffId: l.diffId, size: l.sourceSize });
      }
      for (const p of plans) {
        const previous = new Map<string, Digest>();
        for (const r of p.references) {
          const old = await this.images.find(r);
          if (old && old.id !== p.id && old.repoTags.includes(familiarString(parseReference(r)))) previous.set(r, old.id);
        }
        await this.images.create(p.config, { references: p.references, signal: opts.signal });
        if (p.references.length === 0) {
          out.push({ imageId: p.id });
          opts.onImage?.({ imageId: p.id });
        }
        for (const r of p.references) {
          const li: LoadedImage = { reference: familiarString(parseReference(r)), imageId: p.id };
          const old = previous.get(r);
          if (old) li.replaced = old;
          out.push(li);
          opts.onImage?.(li);
        }
      }
    } catch (e) {
      await discardAll(contents);
      this.layers.release(committed as Digest[]);
      await this.layers.prune();
      throw e;
    }
    this.logger.info({ images: out.map((o) => o.imageId) }, 'archive loaded');
    return out;
  }

  private file(contents: ArchiveContents, p: string, what: string): Buffer {
    const b = contents.files.get(resolveArchivePath(contents, p));
    if (b === undefined) throw new InvalidArgumentError(`load: ${what} "${p}": missing from the archive`);
    return b;
  }

  private json<T>(buf: Buffer, what: string): T {
    try {
      return JSON.parse(buf.toString('utf8')) as T;
    } catch (e) {
      throw new InvalidArgumentError(`load: ${what}: invalid JSON: ${(e as Error).message}`, { cause: e });
    }
  }

  private layer(contents: ArchiveContents, p: string): StagedLayer {
    const l = contents.layers.get(resolveArchivePath(contents, p));
    if (l === undefined) {
      if (contents.files.has(resolveArchivePath(contents, p))) throw new InvalidArgumentError(`load: layer "${p}": not a tar archive`);
      throw new InvalidArgumentError(`load: layer "${p}": missing from the archive`);
    }
    return l;
  }

  private checkDiffIds(config: ImageConfig, id: string, layers: StagedLayer[]): void {
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== layers.length) {
      throw new InvalidArgumentError(`load: image ${id}: config has ${diffIds.length} layers, manifest ${layers.length}`);
    }
    layers.forEach((l, i) => {
      if (l.diffId !== diffIds[i]) throw new DataLossError(`load: image ${id}: layer ${i} hashes to ${l.diffId}, config says ${diffIds[i]}`);
    });
  }

  /** `docker save` layout: manifest.json + config + layer tars. */
  private planDockerArchive(contents: ArchiveContents): PlannedImage[] {
    const manifest = this.json<unknown>(contents.files.get('manifest.json')!, 'manifest.json');
    if (!Array.isArray(manifest)) throw new InvalidArgumentError('load: manifest.json: not a JSON array');
    const plans: PlannedImage[] = [];
    for (const m of manifest as { Config?: unknown; RepoTags?: unknown; Layers?: unknown }[]) {
      if (typeof m !== 'object' || m === null || typeof m.Config !== 'string' || !Array.isArray(m.Layers)) {
        throw new InvalidArgumentError('load: manifest.json: entry without Config or Layers');
      }
      const config = this.file(contents, m.Config, 'config');
      const id = sha256Digest(config);
      const cfg = parseImageConfig(config, `load: config ${m.Config}`);
      const hexName = /([a-f0-9]{64})(\.json)?$/.exec(m.Config);
      if (hexName && `sha256:${hexName[1]}` !== id) throw new DataLossError(`load: config ${m.Config}: content hashes to ${id}`);
      const layers = (m.Layers as unknown[]).map((p) => {
        if (typeof p !== 'string') throw new InvalidArgumentError('load: manifest.json: layer path is not a string');
        return this.layer(contents, p);
      });
      this.checkDiffIds(cfg, id, layers);
      const refs: string[] = [];
      for (const t of Array.isArray(m.RepoTags) ? (m.RepoTags as unknown[]) : []) {
        if (typeof t !== 'string') continue;
        refs.push(storedReference(t).name);
      }
      plans.push({ config, id, layers, references: refs });
    }
    return plans;
  }

  /** OCI image layout: oci-layout, index.json, blobs/<alg>/<hex>. */
  private planOciLayout(contents: ArchiveContents): PlannedImage[] {
    const layout = contents.files.get('oci-layout');
    if (layout) {
      const l = this.json<{ imageLayoutVersion?: string }>(layout, 'oci-layout');
      if (typeof l.imageLayoutVersion !== 'string') throw new InvalidArgumentError('load: oci-layout: no imageLayoutVersion');
    }
    const index = this.json<Index>(contents.files.get('index.json')!, 'index.json');
    if (!index || !Array.isArray(index.manifests)) throw new InvalidArgumentError('load: index.json: no manifests');
    const plans: PlannedImage[] = [];
    const visit = (desc: Descriptor, depth: number, ref: string | undefined, topLevel: boolean): void => {
      if (depth > 4) throw new InvalidArgumentError('load: index.json: indexes nested too deep');
      if (typeof desc?.digest !== 'string' || !isDigest(desc.digest)) throw new InvalidArgumentError('load: descriptor with an invalid digest');
      const name = refFromAnnotations(desc.annotations) ?? ref;
      if (isIndexMediaType(desc.mediaType)) {
        const child = this.json<Index>(this.blob(contents, desc), `index ${desc.digest}`);
        if (!Array.isArray(child.manifests)) throw new InvalidArgumentError(`load: index ${desc.digest}: no manifests`);
        const host = hostPlatform();
        const withPlatform = child.manifests.filter((d) => d.platform !== undefined && !isAttestation(d));
        const picked = withPlatform.length > 0 ? withPlatform.filter((d) => platformMatches(d.platform!, host)).slice(0, 1) : child.manifests;
        if (picked.length === 0) throw new InvalidArgumentError(`load: index ${desc.digest}: no image for platform ${host.os}/${host.architecture}`);
        for (const d of picked) visit(d, depth + 1, name, false);
        return;
      }
      if (!isManifestMediaType(desc.mediaType) && desc.mediaType !== undefined) {
        if (topLevel) return; // not an image (e.g. a signature): skip
        throw new InvalidArgumentError(`load: descriptor ${desc.digest}: unsupported media type ${desc.mediaType}`);
      }
      const manifest = this.json<Manifest>(this.blob(contents, desc), `manifest ${desc.digest}`);
      if (!manifest.config || !Array.isArray(manifest.layers)) throw new InvalidArgumentError(`load: manifest ${desc.digest}: no config or layers`);
      const config = this.blob(contents, manifest.config);
      const id = manifest.config.digest as Digest;
      const cfg = parseImageConfig(config, `load: config ${id}`);
      const layers = manifest.layers.map((l) => {
        if (typeof l?.digest !== 'string' || !isDigest(l.digest)) throw new InvalidArgumentError(`load: manifest ${desc.digest}: layer with an invalid digest`);
        const staged = this.layer(contents, blobPath(l.digest));
        if (staged.sourceDigest !== l.digest) throw new DataLossError(`load: blob ${l.digest}: content hashes to ${staged.sourceDigest}`);
        if (typeof l.size === 'number' && staged.sourceSize !== l.size) throw new DataLossError(`load: blob ${l.digest}: size ${staged.sourceSize}, descriptor says ${l.size}`);
        return staged;
      });
      this.checkDiffIds(cfg, id, layers);
      plans.push({ config, id, layers, references: name ? [name] : [] });
    };
    for (const d of index.manifests) visit(d, 0, undefined, true);
    return plans;
  }

  /** A small blob of an OCI layout, verified against its descriptor. */
  private blob(contents: ArchiveContents, desc: Descriptor): Buffer {
    if (typeof desc?.digest !== 'string' || !isDigest(desc.digest)) throw new InvalidArgumentError('load: descriptor with an invalid digest');
    const b = this.file(contents, blobPath(desc.digest), 'blob');
    const got = sha256Digest(b);
    if (got !== desc.digest) throw new DataLossError(`load: blob ${desc.digest}: content hashes to ${got}`);
    if (typeof desc.size === 'number' && desc.size !== b.length) throw new DataLossError(`load: blob ${desc.digest}: size ${b.length}, descriptor says ${desc.size}`);
    return b;
  }

  // ---- save ----

  async save(names: string[], opts: SaveOptions = {}): Promise<Readable> {
    if (names.length === 0) throw new InvalidArgumentError('save: no image names given');
    // Resolve everything first: errors come before the first byte.
    const wanted = new Map<string, string[]>(); // image id -> fully qualified tags
    for (const n of names) {
      const tagged = await this.savedTags(n);
      for (const { id, tags } of tagged) {
        const l = wanted.get(id) ?? [];
        for (const t of tags) if (!l.includes(t)) l.push(t);
        wanted.set(id, l);
      }
    }
    const images: { id: Digest; config: Buffer; tags: string[]; diffIds: Digest[]; tarSizes: number[]; created: Date }[] = [];
    for (const [id, tags] of wanted) {
      const rec = await this.images.get(id);
      const config = await this.content.readBuffer(rec.id);
      const tarSizes: number[] = [];
      for (const d of rec.layers) {
        const info = await this.content.info(d).catch(() => undefined);
        if (!info) throw new DataLossError(`save: image ${rec.id}: layer tar ${d} is missing from the content store`);
        tarSizes.push(info.size);
      }
      images.push({ id: rec.id, config, tags, diffIds: rec.layers, tarSizes, created: rec.created });
    }
    for (const img of images) opts.onImage?.(img.id);
    const pack = tar.pack();
    // Stops the writer when the reader goes away (a client hung up) or the caller aborts.
    const stop = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
    const write = async (): Promise<void> => {
      const written = new Set<string>();
      const addBuffer = async (name: string, data: Buffer, mtime: Date): Promise<void> => {
        await new Promise<void>((resolve, reject) => pack.entry({ name, size: data.length, mode: 0o644, mtime }, data, (e) => (e ? reject(e) : resolve())));
      };
      const addDir = async (name: string, mtime: Date): Promise<void> => {
        await new Promise<void>((resolve, reject) => pack.entry({ name, type: 'directory', mode: 0o755, mtime }, (e) => (e ? reject(e) : resolve())));
      };
      const addSymlink = async (name: string, target: string, mtime: Date): Promise<void> => {
        await new Promise<void>((resolve, reject) => pack.entry({ name, type: 'symlink', linkname: target, mode: 0o777, mtime }, (e) => (e ? reject(e) : resolve())));
      };
      const addBlob = async (d: Digest, size: number, mtime: Date): Promise<void> => {
        const name = blobPath(d);
        if (written.has(name)) return;
        written.add(name);
        signal.throwIfAborted();
        const src = await this.content.readStream(d);
        let sink!: ReturnType<typeof pack.entry>;
        const done = new Promise<void>((resolve, reject) => {
          sink = pack.entry({ name, size, mode: 0o644, mtime }, (e) => (e ? reject(e) : resolve()));
        });
        done.catch(() => undefined); // awaited below; an early failure is reported by the loop
        if (sink === undefined) {
          src.destroy();
          await done;
        }
        try {
          for await (const chunk of src) {
            signal.throwIfAborted();
            if (!sink.write(chunk as Buffer)) await once(sink as unknown as NodeJS.EventEmitter, 'drain', { signal });
          }
        } finally {
          src.destroy();
        }
        (sink as unknown as { end(): void }).end();
        await done;
      };
      const epoch = new Date(0);
      await addBuffer('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })), epoch);
      await addDir('blobs/', epoch);
      await addDir('blobs/sha256/', epoch);
      const manifestJson: { Config: string; RepoTags: string[] | null; Layers: string[] }[] = [];
      const repositories: Record<string, Record<string, string>> = {};
      const indexEntries: Descriptor[] = [];
      for (const img of images) {
        await addBlob(img.id, img.config.length, img.created);
        for (let i = 0; i < img.diffIds.length; i++) await addBlob(img.diffIds[i]!, img.tarSizes[i]!, img.created);
        // The OCI manifest for OCI tools.
        const manifest: Manifest = {
          schemaVersion: 2,
          mediaType: MediaType.OciManifest,
          config: { mediaType: MediaType.OciConfig, digest: img.id, size: img.config.length },
          layers: img.diffIds.map((d, i) => ({ mediaType: MediaType.OciLayer, digest: d, size: img.tarSizes[i]! })),
        };
        const mbuf = Buffer.from(JSON.stringify(manifest));
        const mdigest = sha256Digest(mbuf);
        if (!written.has(blobPath(mdigest))) {
          written.add(blobPath(mdigest));
          await addBuffer(blobPath(mdigest), mbuf, img.created);
        }
        const mdesc: Descriptor = { mediaType: MediaType.OciManifest, digest: mdigest, size: mbuf.length };
        if (img.tags.length === 0) indexEntries.push(mdesc);
        for (const t of img.tags) {
          const ref = parseReference(t);
          indexEntries.push({ ...mdesc, annotations: { 'io.containerd.image.name': t, 'org.opencontainers.image.ref.name': ref.tag ?? 'latest' } });
        }
        // The legacy docker-save entries for old loaders: <configHex>.json, <v1id>/{VERSION,json,layer.tar}.
        const cfgName = `${digestHex(img.id)}.json`;
        if (!written.has(cfgName)) {
          written.add(cfgName);
          await addBuffer(cfgName, img.config, img.created);
        }
        const v1ids = v1Ids(img.id, img.diffIds);
        const cfg = JSON.parse(img.config.toString('utf8')) as ImageConfig;
        for (let i = 0; i < img.diffIds.length; i++) {
          const v1 = v1ids[i]!;
          if (written.has(`${v1}/`)) continue;
          written.add(`${v1}/`);
          const top = i === img.diffIds.length - 1;
          const v1json: Record<string, unknown> = { id: v1 };
          if (i > 0) v1json.parent = v1ids[i - 1];
          if (top) {
            for (const k of ['created', 'container', 'container_config', 'docker_version', 'author', 'config', 'architecture', 'variant', 'os'] as const) {
              if (cfg[k] !== undefined) v1json[k] = cfg[k];
            }
          } else {
            v1json.created = '1970-01-01T00:00:00Z';
            v1json.container_config = { Hostname: '', Domainname: '', User: '', AttachStdin: false, AttachStdout: false, AttachStderr: false, Tty: false, OpenStdin: false, StdinOnce: false, Env: null, Cmd: null, Image: '', Volumes: null, WorkingDir: '', Entrypoint: null, OnBuild: null, Labels: null };
            v1json.os = cfg.os;
          }
          await addDir(`${v1}/`, img.created);
          await addBuffer(`${v1}/VERSION`, Buffer.from('1.0'), img.created);
          await addBuffer(`${v1}/json`, Buffer.from(JSON.stringify(v1json)), img.created);
          await addSymlink(`${v1}/layer.tar`, `../${blobPath(img.diffIds[i]!)}`, img.created);
        }
        const familiarTags = img.tags.map((t) => familiarString(parseReference(t)));
        manifestJson.push({ Config: blobPath(img.id), RepoTags: familiarTags.length > 0 ? familiarTags : null, Layers: img.diffIds.map((d) => blobPath(d)) });
        for (const t of img.tags) {
          const ref = parseReference(t);
          const repo = familiarString({ domain: ref.domain, path: ref.path });
          repositories[repo] ??= {};
          repositories[repo]![ref.tag ?? 'latest'] = v1ids[v1ids.length - 1] ?? digestHex(img.id);
        }
      }
      const index: Index = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: indexEntries };
      await addBuffer('index.json', Buffer.from(JSON.stringify(index)), epoch);
      await addBuffer('manifest.json', Buffer.from(JSON.stringify(manifestJson)), epoch);
      if (Object.keys(repositories).length > 0) await addBuffer('repositories', Buffer.from(JSON.stringify(repositories)), epoch);
      pack.finalize();
    };
    write().catch((e: unknown) => {
      if (signal.aborted) this.logger.debug({ err: e }, 'save stopped: reader gone or aborted');
      else this.logger.error({ err: e }, 'save failed');
      pack.destroy(isBerthError(e) ? e : new DataLossError(`save: ${(e as Error).message}`, { cause: e }));
    });
    const out = Readable.from(pack as unknown as AsyncIterable<Buffer>, { objectMode: false });
    out.on('close', () => stop.abort());
    return out;
  }

  /** Which image(s) and tags a `save` argument means. */
  private async savedTags(name: string): Promise<{ id: string; tags: string[] }[]> {
    let ref: ReturnType<typeof parseReference> | undefined;
    try {
      ref = parseReference(name);
    } catch {
      ref = undefined;
    }
    // A repository without tag or digest: every tag of that repository (docker's behaviour).
    if (ref && ref.tag === undefined && ref.digest === undefined && !/^[a-f0-9]{12,64}$/.test(name)) {
      const all = await this.images.list({ all: true });
      const repo = storedReference(name).repo;
      const out: { id: string; tags: string[] }[] = [];
      for (const img of all) {
        const tags = img.repoTags.map((t) => storedReference(t)).filter((r) => r.repo === repo).map((r) => r.name);
        if (tags.length > 0) out.push({ id: img.id, tags });
      }
      if (out.length > 0) return out;
    }
    const id = await this.images.resolve(name);
    if (ref && ref.digest === undefined) {
      const key = storedReference(name);
      const img = await this.images.get(id);
      if (img.repoTags.some((t) => storedReference(t).name === key.name)) return [{ id, tags: [key.name] }];
    }
    return [{ id, tags: [] }];
  }
}

export function blobPath(d: string): string {
  const i = d.indexOf(':');
  return `blobs/${d.slice(0, i)}/${d.slice(i + 1)}`;
}

/** Deterministic legacy v1 layer IDs: chain-derived, the top one also bound to the image. */
function v1Ids(imageId: string, diffIds: Digest[]): string[] {
  const chains = chainIds(diffIds);
  const out: string[] = [];
  chains.forEach((c, i) => {
    const parent = out[i - 1] ?? '';
    const top = i === chains.length - 1 ? ` ${imageId}` : '';
    out.push(digestHex(sha256Digest(`${c} ${parent}${top}`)));
  });
  return out;
}

function refFromAnnotations(a: Record<string, string> | undefined): string | undefined {
  if (!a) return undefined;
  const candidates = [a['io.containerd.image.name'], a['org.opencontainers.image.ref.name']];
  for (const c of candidates) {
    if (typeof c !== 'string' || c === '') continue;
    // A bare tag ("1", "latest") is not a name.
    if (!c.includes('/') && !c.includes(':') && !c.includes('@')) continue;
    try {
      const r = withDefaultTag(parseReference(c));
      if (r.digest !== undefined) continue;
      return storedReference(c).name;
    } catch {
      continue;
    }
  }
  return undefined;
}

function isAttestation(d: Descriptor): boolean {
  return d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' || d.platform?.os === 'unknown';
}
