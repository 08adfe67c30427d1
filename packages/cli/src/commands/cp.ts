import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { humanSize } from '@berth/api';
import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';
import { extractTar, packPath } from '../host-archive';

/** docker's splitCpArg: `CONTAINER:PATH`, unless the argument starts like a local path. */
export function splitCpArg(arg: string): { container?: string; path: string } {
  if (arg.startsWith('/') || arg.startsWith('.')) return { path: arg };
  const i = arg.indexOf(':');
  if (i <= 0) return { path: arg };
  return { container: arg.slice(0, i), path: arg.slice(i + 1) };
}

const DIR_BIT = 0x80000000;
/** Go's os.ModeSymlink in a path stat's mode. */
const SYMLINK_BIT = 0x8000000;

/** Counts the bytes that pass (docker's copyProgressPrinter). */
function counter(total: { n: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      total.n += chunk.length;
      cb(null, chunk);
    },
  });
}

/** docker 28's summary: the bytes of the tar that went through (not the files' size). */
function summary(transferred: number, dest: string): string {
  return `Successfully copied ${humanSize(transferred)} to ${dest}\n`;
}

/** docker's archive.GetRebaseName: keeps SRC_PATH's trailing `/.` or `/` on the resolved path, and its name when the link's differs. */
function rebaseName(srcPath: string, resolved: string): { resolved: string; rebase?: string } {
  if ((srcPath === '.' || srcPath.endsWith('/.')) && !(resolved === '.' || resolved.endsWith('/.'))) resolved += '/.';
  if (srcPath.endsWith('/') && !resolved.endsWith('/')) resolved += '/';
  const base = (p: string) => path.posix.basename(path.posix.normalize(p.replace(/\/+$/, '') || '/'));
  return base(srcPath) !== base(resolved) ? { resolved, rebase: base(srcPath) } : { resolved };
}

/**
 * `berth cp CONTAINER:SRC DEST|-` and `berth cp SRC|- CONTAINER:DEST`, with docker's rules for
 * existing and new destinations (a new destination takes the source's place under its own name).
 */
export async function run(
  ctx: CliContext,
  argv: { source: string; destination: string; archive?: boolean; followLink?: boolean; quiet?: boolean },
): Promise<ExitCode> {
  const src = splitCpArg(argv.source);
  // docker: without -q given, progress and the summary only when stdout is a terminal
  const quiet = argv.quiet ?? !ctx.io.stdout.isTTY;
  const copyUIDGID = Boolean(argv.archive);
  const dst = splitCpArg(argv.destination);
  if (src.container && dst.container) {
    ctx.io.stderr.write('copying between containers is not supported\n');
    return 1;
  }
  if (!src.container && !dst.container) {
    ctx.io.stderr.write('must specify at least one container source\n');
    return 1;
  }
  const client = ctx.client('general');
  try {
    if (src.container) {
      // -L: a symlink SRC_PATH is replaced by its target (relative to the link's directory),
      // copied under the link's name (docker's GetRebaseName)
      let srcPath = src.path;
      let rebase: string | undefined;
      if (argv.followLink) {
        const linkStat = await client.containers.archiveStat(src.container, srcPath).catch(() => undefined);
        if (linkStat && (linkStat.mode & SYMLINK_BIT) !== 0) {
          let target = linkStat.linkTarget;
          if (!target.startsWith('/')) target = path.posix.join(path.posix.dirname(srcPath.replace(/\/+$/, '')), target);
          ({ resolved: srcPath, rebase } = rebaseName(srcPath, target));
        }
      }
      const got = await client.containers.getArchive(src.container, srcPath);
      const stat = got.stat;
      let tar: Readable = got.tar;
      if (dst.path === '-') {
        await pipeline(tar, ctx.io.stdout, { end: false });
        return 0;
      }
      const copied = { n: 0 };
      if (!quiet) tar = tar.pipe(counter(copied));
      const dest = path.resolve(dst.path) + (/\/\.?$/.test(dst.path) && !dst.path.endsWith('/') ? '/.' : dst.path.endsWith('/') ? '/' : '');
      // docker 28 draws no progress (its copyProgress never sees a terminal: it wraps the
      // CLI's stderr stream, not the file), only the summary
      await copyOut(tar, stat, rebase);
      if (!quiet) ctx.io.stderr.write(summary(copied.n, dest));
      return 0;
    }
    return await copyIn();
  } catch (e) {
    ctx.io.stderr.write(`${describeError(e)}\n`);
    return 1;
  }

  async function copyOut(tar: Readable, stat: { name: string; mode: number }, rebase: string | undefined): Promise<void> {
    const isDir = (stat.mode & DIR_BIT) !== 0;
    const contentsOnly = /\/\.$/.test(src.path);
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(dst.path);
    } catch {
      st = undefined;
    }
    // docker's rule: an existing destination is a directory or a regular file, never replaced
    // when it is anything else (`cp c:/f /dev/null` must not turn /dev/null into a file)
    if (st && !st.isDirectory() && !st.isFile()) {
      const kind = st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isFIFO() ? 'a named pipe' : st.isSocket() ? 'a socket' : 'an irregular file';
      throw new Error(`invalid output path: "${dst.path}" must be a directory or a regular file: got ${kind}`);
    }
    if (st?.isDirectory()) {
      await extractTar(tar, dst.path, contentsOnly ? { from: stat.name, to: '.' } : rebase ? { from: stat.name, to: rebase } : undefined);
    } else if (st) {
      if (isDir) throw new Error(`cannot copy a directory to a file: ${dst.path}`);
      await extractTar(tar, path.dirname(dst.path), { from: stat.name, to: path.basename(dst.path) });
    } else {
      if (dst.path.endsWith('/')) throw new Error(`destination directory "${dst.path}" does not exist`);
      await extractTar(tar, path.dirname(path.resolve(dst.path)), { from: stat.name, to: path.basename(dst.path) });
    }
  }

  async function copyIn(): Promise<ExitCode> {
    // host → container
    const container = dst.container!;
    if (src.path === '-') {
      await client.containers.putArchive(container, dst.path, ctx.io.stdin, { copyUIDGID });
      return 0;
    }
    let local: fs.Stats;
    // -L: SRC_PATH resolved through every symlink, copied under its own name (CopyInfoSourcePath)
    let srcPath = src.path;
    try {
      if (argv.followLink) srcPath = fs.realpathSync(src.path);
      local = fs.lstatSync(srcPath);
    } catch {
      throw new Error(`lstat ${path.resolve(src.path)}: no such file or directory`);
    }
    let destStat;
    try {
      destStat = await client.containers.archiveStat(container, dst.path);
    } catch {
      // docker ignores any stat error: the extraction into the parent tells what is wrong
      destStat = undefined;
    }
    const baseName = path.basename(path.resolve(src.path));
    let into: string;
    let name: string;
    if (destStat && (destStat.mode & DIR_BIT) !== 0) {
      into = dst.path;
      name = baseName;
    } else {
      if (!destStat && dst.path.endsWith('/')) throw new Error(`destination directory "${dst.path}" does not exist`);
      if (destStat && local.isDirectory()) throw new Error(`cannot copy a directory to a file: ${dst.path}`);
      into = path.posix.dirname(dst.path);
      name = path.posix.basename(dst.path);
    }
    const copied = { n: 0 };
    let body: Readable = packPath(srcPath, name);
    if (quiet) {
      await client.containers.putArchive(container, into, body, { copyUIDGID });
      return 0;
    }
    body = body.pipe(counter(copied));
    await client.containers.putArchive(container, into, body, { copyUIDGID });
    ctx.io.stderr.write(summary(copied.n, `${container}:${dst.path}`));
    return 0;
  }
}
