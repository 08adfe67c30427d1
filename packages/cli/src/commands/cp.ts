import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { statusCodeOf } from '@berth/client';
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

/**
 * `berth cp CONTAINER:SRC DEST|-` and `berth cp SRC|- CONTAINER:DEST`, with docker's rules for
 * existing and new destinations (a new destination takes the source's place under its own name).
 */
export async function run(ctx: CliContext, argv: { source: string; destination: string }): Promise<ExitCode> {
  const src = splitCpArg(argv.source);
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
      const { stat, tar } = await client.containers.getArchive(src.container, src.path);
      if (dst.path === '-') {
        await pipeline(tar, ctx.io.stdout, { end: false });
        return 0;
      }
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
        await extractTar(tar, dst.path, contentsOnly ? { from: stat.name, to: '.' } : undefined);
      } else if (st) {
        if (isDir) throw new Error(`cannot copy a directory to a file: ${dst.path}`);
        await extractTar(tar, path.dirname(dst.path), { from: stat.name, to: path.basename(dst.path) });
      } else {
        if (dst.path.endsWith('/')) throw new Error(`destination directory "${dst.path}" does not exist`);
        await extractTar(tar, path.dirname(path.resolve(dst.path)), { from: stat.name, to: path.basename(dst.path) });
      }
      return 0;
    }
    // host → container
    const container = dst.container!;
    if (src.path === '-') {
      await client.containers.putArchive(container, dst.path, ctx.io.stdin);
      return 0;
    }
    let local: fs.Stats;
    try {
      local = fs.lstatSync(src.path);
    } catch {
      throw new Error(`lstat ${path.resolve(src.path)}: no such file or directory`);
    }
    let destStat;
    try {
      destStat = await client.containers.archiveStat(container, dst.path);
    } catch (e) {
      if (statusCodeOf(e) !== 404) throw e;
    }
    const baseName = path.basename(path.resolve(src.path));
    if (destStat && (destStat.mode & DIR_BIT) !== 0) {
      await client.containers.putArchive(container, dst.path, packPath(src.path, baseName));
    } else {
      if (!destStat && dst.path.endsWith('/')) throw new Error(`destination directory "${dst.path}" does not exist`);
      if (destStat && local.isDirectory()) throw new Error(`cannot copy a directory to a file: ${dst.path}`);
      await client.containers.putArchive(container, path.posix.dirname(dst.path), packPath(src.path, path.posix.basename(dst.path)));
    }
    return 0;
  } catch (e) {
    ctx.io.stderr.write(`${describeError(e)}\n`);
    return 1;
  }
}
