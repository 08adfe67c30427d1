import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { InvalidArgumentError } from '@berth/errdefs';
import { PatternMatcher } from '@berth/oci';
import * as tar from 'tar-stream';

/**
 * The build context as the docker CLI sends it: an uncompressed tar of `dir` with
 * `.dockerignore` applied (`@berth/oci`'s PatternMatcher, moby's semantics; the Dockerfile and
 * `.dockerignore` are always kept; a malformed pattern is an InvalidArgumentError), permission modes,
 * uid and gid 0. Resolves the tar and its size once packed (the CLI prints the size first).
 */
export async function packContext(dir: string, dockerfile: string): Promise<{ tar: Buffer; size: number }> {
  let ignoreText = '';
  try {
    ignoreText = fs.readFileSync(path.join(dir, '.dockerignore'), 'utf8');
  } catch {
    /* no .dockerignore */
  }
  let ignore: PatternMatcher;
  try {
    ignore = PatternMatcher.fromIgnoreFile(ignoreText);
  } catch (e) {
    // docker's CLI: errors.Wrap(ValidateContextDirectory(...), "error checking context")
    throw new InvalidArgumentError(`error checking context: ${(e as Error).message}`);
  }
  const keep = new Set(['.dockerignore', dockerfile.split(path.sep).join('/')]);
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = new Promise<Buffer>((resolve, reject) => {
    pack.on('data', (c: unknown) => chunks.push(c as Buffer));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  const entry = (h: Parameters<tar.Pack['entry']>[0], body?: Buffer) =>
    new Promise<void>((resolve, reject) => (body ? pack.entry(h, body, (e) => (e ? reject(e) : resolve())) : pack.entry(h, (e) => (e ? reject(e) : resolve()))));
  const walk = async (abs: string, rel: string): Promise<void> => {
    for (const name of fs.readdirSync(abs).sort()) {
      const childAbs = path.join(abs, name);
      const childRel = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(childAbs);
      const ignored = ignore.matches(childRel) && !keep.has(childRel);
      // an exception (`!dir/keep`) may re-include something under an ignored directory
      if (ignored && !(st.isDirectory() && ignore.hasExclusions)) continue;
      const common = { mode: st.mode & 0o7777, mtime: st.mtime, uid: 0, gid: 0 };
      if (st.isDirectory()) {
        if (!ignored) await entry({ ...common, name: `${childRel}/`, type: 'directory' });
        await walk(childAbs, childRel);
      } else if (ignored) continue;
      else if (st.isSymbolicLink()) await entry({ ...common, name: childRel, type: 'symlink', linkname: fs.readlinkSync(childAbs) });
      else if (st.isFile()) await entry({ ...common, name: childRel, type: 'file', size: st.size }, fs.readFileSync(childAbs));
    }
  };
  await walk(dir, '');
  pack.finalize();
  const buf = await collected;
  return { tar: buf, size: buf.length };
}

/** `build -`: a context holding only the Dockerfile read from stdin. */
export async function stdinContext(stdin: Readable): Promise<{ tar: Buffer; size: number }> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  const body = Buffer.concat(chunks);
  const pack = tar.pack();
  const out: Buffer[] = [];
  const collected = new Promise<Buffer>((resolve, reject) => {
    pack.on('data', (c: unknown) => out.push(c as Buffer));
    pack.on('end', () => resolve(Buffer.concat(out)));
    pack.on('error', reject);
  });
  pack.entry({ name: 'Dockerfile', mode: 0o644, uid: 0, gid: 0, mtime: new Date() }, body);
  pack.finalize();
  const buf = await collected;
  return { tar: buf, size: buf.length };
}

/** Wraps a buffer as a stream for the request body. */
export function bufferStream(b: Buffer): Readable {
  const p = new PassThrough();
  p.end(b);
  return p;
}
