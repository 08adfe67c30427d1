import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError, NotFoundError } from '@berth/errdefs';
import { fsAt } from '@berth/fs';
import { PatternMatcher, compileGlob, hasWildcards } from '@berth/oci';
import { holdChild, holdInRoot, type HeldPath } from './safe-path';

/**
 * A file or directory that a COPY/ADD source matched, resolved in the kernel (@berth/fs) and
 * held by its fd: everything below is read relative to it (`copyTree`, `hashSources`), never
 * by a host path opened again. The COPY closes it.
 */
export interface SourceEntry {
  held: HeldPath;
  /** Path relative to the source root, `/`-separated. */
  rel: string;
  isDir: boolean;
}

/** Closes what the entries hold. */
export function closeEntries(entries: readonly SourceEntry[]): void {
  for (const e of entries) e.held.close();
}

/**
 * A source root: the build context (with `.dockerignore` applied, again, server-side: a tar from
 * curl or dockerode may not have been filtered) or another stage's / image's root filesystem.
 */
export class SourceRoot {
  private readonly ig: PatternMatcher | undefined;

  constructor(
    readonly root: string,
    ignoreText?: string,
    /** Paths never ignored (the Dockerfile, .dockerignore). */
    private readonly keep: string[] = [],
  ) {
    if (ignoreText) {
      // moby's patternmatcher semantics (`**`, `!` exceptions, cleaned patterns); a malformed
      // pattern is an InvalidArgumentError
      const ig = PatternMatcher.fromIgnoreFile(ignoreText);
      if (!ig.empty) this.ig = ig;
    }
  }

  /** Whether a context-relative path is excluded by `.dockerignore`. */
  ignored(rel: string): boolean {
    if (!this.ig || rel === '' || rel === '.') return false;
    if (this.keep.includes(rel)) return false;
    return this.ig.matches(rel);
  }

  /**
   * Whether a path inside a copied directory is left out: ignored, unless it is a directory
   * under which an exception (`!dir/keep`) keeps something (as the CLI's context then holds it).
   */
  async excluded(rel: string): Promise<boolean> {
    if (!this.ignored(rel)) return false;
    if (!this.ig?.hasExclusions) return true;
    // in the root's scope (a context symlink on the way is followed inside the context, never on the host)
    const held = holdInRoot(this.root, `/${rel}`, false);
    let isDir: boolean;
    try {
      isDir = held?.stat().isDirectory() ?? false;
    } finally {
      held?.close();
    }
    if (!isDir) return true;
    return (await this.walk(rel)).length === 0;
  }

  /**
   * Every path (files and directories) not ignored under `from` (default: all), relative,
   * `/`-separated. Read by fd: `from` resolved in the root's scope, each directory below held by
   * an fd opened beneath its parent's (never following a symlink).
   */
  async walk(from = ''): Promise<string[]> {
    const out: string[] = [];
    const visit = async (dir: HeldPath, rel: string): Promise<void> => {
      const entries = await fs.readdir(dir.path, { withFileTypes: true });
      for (const e of entries) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (this.ignored(r)) {
          // an exception further down (`!dir/keep`) may still match
          if (!e.isDirectory() || !this.ig?.hasExclusions) continue;
        } else out.push(r);
        if (!e.isDirectory()) continue;
        const child = holdChild(dir, e.name);
        if (!child) continue;
        try {
          await visit(child, r);
        } finally {
          child.close();
        }
      }
    };
    const start = holdInRoot(this.root, `/${from}`, false);
    if (!start) return out;
    try {
      if (start.stat().isDirectory()) await visit(start, from);
    } finally {
      start.close();
    }
    return out;
  }

  /**
   * The entries a COPY/ADD source names: a path, or a pattern with `*`, `?`, `[...]` (docker's
   * filepath.Match over the whole relative path, `@berth/oci`'s compileGlob; a malformed
   * pattern matches nothing, as docker ignores Match's error). Clear errors for a path outside
   * the root and for nothing found.
   */
  async resolve(src: string, instruction: string): Promise<SourceEntry[]> {
    const cleaned = path.posix.normalize(src.replace(/^\/+/, '')).replace(/\/+$/, '');
    if (cleaned === '..' || cleaned.startsWith('../')) {
      throw new InvalidArgumentError(`${instruction} failed: forbidden path outside the build context: ${src} ()`);
    }
    const rel = cleaned === '.' ? '' : cleaned;
    if (hasWildcards(rel)) {
      let re: RegExp | undefined;
      try {
        re = compileGlob(rel);
      } catch {
        re = undefined;
      }
      const all = re ? await this.walk() : [];
      const hits = all.filter((p) => re!.test(p));
      if (hits.length === 0) throw new NotFoundError(`${instruction} failed: no source files were specified`);
      const out: SourceEntry[] = [];
      for (const h of hits) {
        // a directory matched by the pattern brings its contents; skip children also matched
        if (hits.some((o) => o !== h && h.startsWith(`${o}/`))) continue;
        out.push(await this.entry(h, src, instruction));
      }
      return out;
    }
    if (this.ignored(rel)) throw notFound(instruction, src);
    return [await this.entry(rel, src, instruction)];
  }

  protected async entry(rel: string, src: string, instruction: string): Promise<SourceEntry> {
    // symlinks are followed with the context as their root, as docker's FollowSymlinkInScope:
    // an absolute target is a path in the context, `..` stops at its top; never outside it
    const held = holdInRoot(this.root, `/${rel}`, true);
    if (!held) throw notFound(instruction, src);
    return { held, rel, isDir: held.stat().isDirectory() };
  }
}

function notFound(instruction: string, src: string): NotFoundError {
  return new NotFoundError(
    `${instruction} failed: file not found in build context or excluded by .dockerignore: stat ${src}: file does not exist`,
  );
}

/**
 * The content hash of what a COPY/ADD brings in (docker's `file:<sha256>` / `dir:<sha256>` in the
 * `#(nop) COPY` created_by): names, modes, link targets and contents, so any change to a copied
 * file changes the cache key. Ignored files inside a copied directory do not count.
 */
export async function hashSources(entries: SourceEntry[], src: SourceRoot | undefined, digests?: FileDigests): Promise<string> {
  const parts: string[] = [];
  for (const e of entries) {
    const h = createHash('sha256');
    await hashTree(h, e.held, e.rel, src, digests);
    parts.push(`${e.isDir ? 'dir' : 'file'}:${h.digest('hex')}`);
  }
  if (parts.length === 1) return parts[0]!;
  return `multi:${createHash('sha256').update(parts.join(',')).digest('hex')}`;
}

/** sha256 (hex) and size of context files known from the context tar, by context-relative path. */
export type FileDigests = ReadonlyMap<string, { size: number; sha256: string }>;

async function hashTree(h: ReturnType<typeof createHash>, node: HeldPath, rel: string, src: SourceRoot | undefined, digests: FileDigests | undefined): Promise<void> {
  const st = node.stat();
  h.update(`${path.posix.basename(rel)}\0${st.mode}\0${st.uid}\0${st.gid}\0`);
  if (st.isSymbolicLink()) h.update(`L${fsAt().readlinkat(node.fd, '').toString('utf8')}\0`);
  else if (st.isFile()) {
    h.update(`F${st.size}\0${await fileSha256(node.path, st.size, digests?.get(rel))}\0`);
  } else if (st.isDirectory()) {
    const names = (await fs.readdir(node.path)).sort();
    for (const n of names) {
      const r = rel ? `${rel}/${n}` : n;
      if (await src?.excluded(r)) continue;
      const child = holdChild(node, n);
      if (!child) continue;
      try {
        h.update('D');
        await hashTree(h, child, r, src, digests);
      } finally {
        child.close();
      }
    }
    h.update('E');
  }
}

/** A file's sha256: from the context tar's digests when they match its size, else read. */
async function fileSha256(abs: string, size: number, known: { size: number; sha256: string } | undefined): Promise<string> {
  if (known && known.size === size) return known.sha256;
  const h = createHash('sha256');
  if (size <= 64 * 1024 * 1024) h.update(await fs.readFile(abs));
  else for await (const chunk of createReadStream(abs, { highWaterMark: 1024 * 1024 })) h.update(chunk as Buffer);
  return h.digest('hex');
}
