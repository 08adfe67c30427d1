import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough, pipeline as pipelineCb, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidArgumentError } from '@berth/errdefs';
import * as tar from 'tar-stream';

/**
 * Extracts a tar from the daemon (hostile input) under `root`: every entry's first path component
 * may be renamed (`rename`), no entry may leave `root` (no absolute paths, no `..`), nothing is
 * written through a symlink, hard links must point inside `root`. Devices and fifos are skipped.
 * Ownership is not applied (files belong to the user running berth, as with `docker cp`).
 */
export async function extractTar(source: Readable, root: string, rename?: { from: string; to: string }): Promise<void> {
  const base = path.resolve(root);
  const inside = (rel: string): string => {
    const clean = rel.replace(/^\.\/+/, '').replace(/\/+$/, '');
    if (clean === '' || clean === '.') return base;
    if (path.isAbsolute(clean) || clean.split('/').includes('..')) throw new InvalidArgumentError(`archive: entry "${rel}" escapes the destination`);
    let parts = clean.split('/');
    if (rename && parts[0] === rename.from) parts = [rename.to, ...parts.slice(1)];
    const target = path.join(base, ...parts);
    if (target !== base && !target.startsWith(base + path.sep)) throw new InvalidArgumentError(`archive: entry "${rel}" escapes the destination`);
    // refuse to write through a symlink anywhere between root and the entry
    let cur = base;
    for (const p of parts.slice(0, -1)) {
      cur = path.join(cur, p);
      try {
        if (fs.lstatSync(cur).isSymbolicLink()) throw new InvalidArgumentError(`archive: entry "${rel}" goes through a symlink`);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    return target;
  };
  const removeNonDir = (t: string) => {
    try {
      const st = fs.lstatSync(t);
      if (!st.isDirectory()) fs.unlinkSync(t);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  };
  const ex = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (h, stream, next) => {
      stream.on('error', () => undefined); // the extract's own error is what we report
      const finish = (e?: unknown) => {
        if (e) {
          stream.resume();
          ex.destroy(e as Error);
          return;
        }
        next();
      };
      try {
        const target = inside(h.name);
        const mode = (h.mode ?? 0o644) & 0o7777;
        if (h.type === 'directory') {
          fs.mkdirSync(target, { recursive: true });
          fs.chmodSync(target, mode);
          stream.resume();
          stream.on('end', () => finish());
        } else if (h.type === 'file' || h.type === 'contiguous-file') {
          fs.mkdirSync(path.dirname(target), { recursive: true });
          removeNonDir(target);
          const out = fs.createWriteStream(target, { mode });
          pipeline(stream, out).then(() => {
            fs.chmodSync(target, mode);
            if (h.mtime) fs.utimesSync(target, h.mtime, h.mtime);
            finish();
          }, finish);
        } else if (h.type === 'symlink') {
          fs.mkdirSync(path.dirname(target), { recursive: true });
          removeNonDir(target);
          fs.symlinkSync(h.linkname ?? '', target);
          stream.resume();
          stream.on('end', () => finish());
        } else if (h.type === 'link') {
          const src = inside(h.linkname ?? '');
          fs.mkdirSync(path.dirname(target), { recursive: true });
          removeNonDir(target);
          fs.linkSync(src, target);
          stream.resume();
          stream.on('end', () => finish());
        } else {
          stream.resume();
          stream.on('end', () => finish());
        }
      } catch (e) {
        finish(e);
      }
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  source.on('error', (e) => ex.destroy(e));
  source.pipe(ex);
  await done;
}

/**
 * Packs `src` (file, directory or symlink, not followed) as a tar whose entries start with `name`,
 * like the docker CLI: permission bits only, the files' own uid and gid (the daemon keeps them,
 * or gives every entry the container's user with `cp -a`).
 */
export function packPath(src: string, name: string): Readable {
  const pack = tar.pack();
  const out = new PassThrough();
  pack.on('error', (e) => out.destroy(e));
  pack.pipe(out);
  const add = async (abs: string, rel: string): Promise<void> => {
    const st = fs.lstatSync(abs);
    const common = { name: rel, mode: st.mode & 0o7777, mtime: st.mtime, uid: st.uid, gid: st.gid };
    if (st.isDirectory()) {
      await entry({ ...common, type: 'directory' });
      for (const child of fs.readdirSync(abs).sort()) await add(path.join(abs, child), `${rel}/${child}`);
    } else if (st.isSymbolicLink()) {
      await entry({ ...common, type: 'symlink', linkname: fs.readlinkSync(abs) });
    } else if (st.isFile()) {
      await new Promise<void>((resolve, reject) => {
        const w = pack.entry({ ...common, type: 'file', size: st.size }, (e) => (e ? reject(e) : resolve()));
        // pipeline listens for errors on both sides: a file that vanishes or shrinks while it is
        // read fails the copy with its own error instead of an unhandled 'error' on the entry.
        pipelineCb(fs.createReadStream(abs), w, (e) => e && reject(e));
      });
    }
  };
  const entry = (h: Parameters<tar.Pack["entry"]>[0]) => new Promise<void>((resolve, reject) => pack.entry(h, (e) => (e ? reject(e) : resolve())));
  add(src, name).then(
    () => pack.finalize(),
    (e: unknown) => pack.destroy(e as Error),
  );
  return out;
}
