import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { CancelledError, InvalidArgumentError, isBerthError } from '@berth/errdefs';
import type { LayerIngester, StagedLayer } from './layer-store';

/** What one pass over an image archive leaves: small files in memory, layers staged. */
export interface ArchiveContents {
  /** Small regular files (configs, manifests, indexes), by normalised path. */
  files: Map<string, Buffer>;
  /** Layer-looking files (tar or gzip), unpacked and hashed but not committed. */
  layers: Map<string, StagedLayer>;
  /** Symlinks and hardlinks: path -> normalised target path. */
  links: Map<string, string>;
}

export interface ArchiveReadLimits {
  /** Largest non-layer file kept in memory (default 16 MiB). */
  maxFileSize: number;
  /** All non-layer files together (default 128 MiB). */
  maxTotalFileSize: number;
  /** Entries in the archive (default 100000). */
  maxEntries: number;
}

const DEFAULT_LIMITS: ArchiveReadLimits = { maxFileSize: 16 << 20, maxTotalFileSize: 128 << 20, maxEntries: 100_000 };

/** `./a//b/` -> `a/b`; refuses `..` and empty names. */
export function normaliseEntryPath(name: string): string {
  const p = path.posix.normalize('/' + name).slice(1).replace(/\/+$/, '');
  if (p === '' || p.split('/').includes('..')) throw new InvalidArgumentError(`archive entry "${name}": invalid path`);
  return p;
}

function looksLikeLayer(head: Buffer): boolean {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return true; // gzip
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return true; // zstd (refused when staged)
  if (head.length >= 512) {
    if (head.toString('latin1', 257, 262) === 'ustar') return true;
    if (head.subarray(0, 512).every((b) => b === 0)) return true; // an empty tar
  }
  return false;
}

/** Resolves a path through the archive's links (bounded). */
export function resolveArchivePath(contents: ArchiveContents, p: string): string {
  let cur = normaliseEntryPath(p);
  for (let i = 0; i < 16; i++) {
    const t = contents.links.get(cur);
    if (t === undefined) return cur;
    cur = t;
  }
  throw new InvalidArgumentError(`archive entry "${p}": too many levels of links`);
}

/**
 * Reads an image archive in one pass: every file that looks like a layer (a tar or gzip
 * stream) is unpacked and hashed into a staged layer as it streams by, every other file is
 * kept in memory (bounded). Nothing is committed: on error every staged layer is discarded.
 */
export async function readArchive(
  input: Readable,
  layers: LayerIngester,
  opts: { signal?: AbortSignal; limits?: Partial<ArchiveReadLimits> } = {},
): Promise<ArchiveContents> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const contents: ArchiveContents = { files: new Map(), layers: new Map(), links: new Map() };
  const extract = tar.extract();
  const onInputError = (e: Error): void => {
    extract.destroy(e);
  };
  input.on('error', onInputError);
  input.pipe(extract as unknown as NodeJS.WritableStream);
  let total = 0;
  let count = 0;
  try {
    for await (const entry of extract) {
      if (opts.signal?.aborted) throw new CancelledError('load: cancelled');
      if (++count > limits.maxEntries) throw new InvalidArgumentError(`archive: more than ${limits.maxEntries} entries`);
      const h = entry.header;
      if (h.type === 'directory') {
        entry.resume();
        continue;
      }
      const name = normaliseEntryPath(h.name);
      if (h.type === 'symlink' || h.type === 'link') {
        const target = h.type === 'symlink' ? path.posix.join(path.posix.dirname('/' + name), h.linkname).slice(1) : h.linkname;
        contents.links.set(name, normaliseEntryPath(target));
        entry.resume();
        continue;
      }
      if (h.type !== 'file' && h.type !== 'contiguous-file') {
        entry.resume();
        continue;
      }
      const it = (entry as unknown as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      let head: Buffer = Buffer.alloc(0);
      let ended = false;
      while (head.length < 512) {
        const r = await it.next();
        if (r.done) {
          ended = true;
          break;
        }
        head = head.length === 0 ? Buffer.from(r.value) : Buffer.concat([head, r.value]);
      }
      if (looksLikeLayer(head)) {
        const first = head;
        const src = Readable.from(
          (async function* () {
            yield first;
            if (ended) return;
            for (;;) {
              const r = await it.next();
              if (r.done) return;
              yield Buffer.from(r.value);
            }
          })(),
          { objectMode: false },
        );
        // stage() reports every failure through its promise; an error the source emits after
        // stage() has given up on it (the archive entry destroyed under a pending read, when
        // the layer failed first) must not become an uncaught exception.
        src.on('error', () => undefined);
        let staged: StagedLayer;
        try {
          staged = await layers.stage(src, { signal: opts.signal });
        } catch (e) {
          throw isBerthError(e) ? e : new InvalidArgumentError(`archive entry "${name}": ${(e as Error).message}`, { cause: e });
        }
        const prev = contents.layers.get(name);
        if (prev) await prev.discard();
        contents.layers.set(name, staged);
        continue;
      }
      const chunks: Buffer[] = [head];
      let size = head.length;
      if (!ended) {
        for (;;) {
          const r = await it.next();
          if (r.done) break;
          size += r.value.length;
          if (size > limits.maxFileSize) throw new InvalidArgumentError(`archive entry "${name}": larger than ${limits.maxFileSize} bytes and not a layer`);
          chunks.push(Buffer.from(r.value));
        }
      }
      total += size;
      if (total > limits.maxTotalFileSize) throw new InvalidArgumentError(`archive: metadata files larger than ${limits.maxTotalFileSize} bytes`);
      contents.files.set(name, Buffer.concat(chunks));
    }
  } catch (e) {
    extract.destroy();
    input.unpipe(extract as unknown as NodeJS.WritableStream);
    input.resume();
    await discardAll(contents);
    if (isBerthError(e)) throw e;
    throw new InvalidArgumentError(`archive: invalid tar file: ${(e as Error).message}`, { cause: e });
  } finally {
    input.off('error', onInputError);
  }
  return contents;
}

export async function discardAll(contents: ArchiveContents): Promise<void> {
  for (const l of contents.layers.values()) await l.discard().catch(() => undefined);
}
