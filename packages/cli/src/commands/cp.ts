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

/** Go's os.FileMode bits docker's ValidateOutputPathFileMode refuses: a device, an irregular file. */
const DEVICE_BIT = 0x4000000;
const IRREGULAR_BIT = 0x80000;

/** docker's ValidateOutputPathFileMode, on a container path's stat mode: '' when the mode is fine. */
function badOutputMode(mode: number): string {
  return (mode & DEVICE_BIT) !== 0 ? 'got a device' : (mode & IRREGULAR_BIT) !== 0 ? 'got an irregular file' : '';
}

/**
 * docker's ValidateOutputPath, before anything is asked of the daemon: the destination's parent
 * directory exists, and an existing destination is a directory or a regular file (`cp c:/f
 * /dev/null` must not turn /dev/null into a file).
 */
function validateOutputPath(p: string): void {
  const dir = path.dirname(path.normalize(p));
  if (dir !== '.' && !fs.existsSync(dir)) throw new Error(`invalid output path: directory ${JSON.stringify(dir)} does not exist`);
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return;
  }
  if (st.isDirectory() || st.isFile()) return;
  const kind = st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isFIFO() ? 'a named pipe' : st.isSocket() ? 'a socket' : 'an irregular file';
  throw new Error(`invalid output path: "${p}" must be a directory or a regular file: got ${kind}`);
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
      if (dst.path !== '-') validateOutputPath(path.resolve(dst.path));
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
      // CLI's stderr stream, not the file), only the summary, printed whether the extraction
      // worked or not (then the error follows it)
      const failed = await copyOut(tar, stat, rebase).then(
        () => undefined,
        (e: unknown) => ({ e }),
      );
      if (!quiet) ctx.io.stderr.write(summary(copied.n, dest));
      if (failed) throw failed.e;
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
    // docker's archive.CopyTo (PrepareArchiveCopy's errors, worded as docker's)
    if (st?.isDirectory()) {
      await extractTar(tar, dst.path, contentsOnly ? { from: stat.name, to: '.' } : rebase ? { from: stat.name, to: rebase } : undefined);
    } else if (st) {
      if (isDir) throw new Error('cannot copy directory');
      await extractTar(tar, path.dirname(dst.path), { from: stat.name, to: path.basename(dst.path) });
    } else {
      if (!isDir && /\/\.?$/.test(dst.path)) throw new Error('no such directory');
      await extractTar(tar, path.dirname(path.resolve(dst.path)), { from: stat.name, to: path.basename(dst.path) });
    }
  }

  async function copyIn(): Promise<ExitCode> {
    // host → container, by docker's copyToContainer: the destination is stat'ed, a symlink
    // followed (its target, resolved in the container, is where the copy goes), its kind checked
    const container = dst.container!;
    let destPath = dst.path;
    let destStat = await client.containers.archiveStat(container, destPath).catch(() => undefined);
    if (destStat && (destStat.mode & SYMLINK_BIT) !== 0) {
      const target = destStat.linkTarget;
      destPath = target.startsWith('/') ? target : path.posix.join(path.posix.dirname(dst.path.replace(/\/+$/, '') || '/'), target);
      // docker ignores this stat's error too: the extraction tells what is wrong
      destStat = await client.containers.archiveStat(container, destPath).catch(() => undefined);
    }
    const bad = destStat ? badOutputMode(destStat.mode) : '';
    if (bad) throw new Error(`destination "${container}:${dst.path}" must be a directory or a regular file: ${bad}`);
    const destIsDir = destStat !== undefined && (destStat.mode & DIR_BIT) !== 0;
    const copied = { n: 0 };
    // the summary (without -q, stdout a terminal) follows the upload whether it worked or not
    const upload = async (into: string, body: Readable): Promise<ExitCode> => {
      if (quiet) {
        await client.containers.putArchive(container, into, body, { copyUIDGID });
        return 0;
      }
      const failed = await client.containers.putArchive(container, into, body, { copyUIDGID }).then(
        () => undefined,
        (e: unknown) => ({ e }),
      );
      ctx.io.stderr.write(summary(copied.n, `${container}:${destPath}`));
      if (failed) throw failed.e;
      return 0;
    };
    if (src.path === '-') {
      // a tar on stdin is extracted into a directory, as it is (docker counts none of it)
      if (!destIsDir) throw new Error(`destination "${container}:${dst.path}" must be a directory`);
      return upload(destPath, ctx.io.stdin);
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
    // docker's PrepareArchiveCopy: where to extract, and the name the source takes there
    let into: string;
    let name: string;
    if (destIsDir) {
      into = destPath;
      name = path.basename(path.resolve(src.path));
    } else {
      if (destStat && local.isDirectory()) throw new Error('cannot copy directory');
      if (!destStat && !local.isDirectory() && /\/\.?$/.test(destPath)) throw new Error('no such directory');
      const clean = path.posix.normalize(destPath.replace(/\/+$/, '') || '/');
      into = path.posix.dirname(clean);
      name = path.posix.basename(clean);
    }
    let body: Readable = packPath(srcPath, name);
    if (!quiet) body = body.pipe(counter(copied));
    return upload(into, body);
  }
}
