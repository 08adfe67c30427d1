import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CliContext } from '../cli-context';
import { StatusError } from '../cli-errors';

/**
 * Where save/export write: the `-o` file (written to a temp name, renamed when complete, like
 * docker), else stdout — refused when stdout is a terminal.
 */
export async function writeOutput(ctx: CliContext, output: string | undefined, open: () => Promise<Readable>, what = 'failed to save image'): Promise<void> {
  if (output) checkOutputPath(output, what);
  if (!output) {
    if (ctx.io.stdout.isTTY) throw new StatusError('cowardly refusing to save to a terminal. Use the -o flag or redirect', 1);
    const src = await open();
    await pipeline(src, ctx.io.stdout, { end: false });
    return;
  }
  const tmp = `${output}.berth-tmp-${process.pid}`;
  const src = await open();
  try {
    await pipeline(src, fs.createWriteStream(tmp));
    fs.renameSync(tmp, output);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * docker 28's ValidateOutputPath, before anything is asked of the daemon: the parent directory
 * must exist, and the path must not be a directory or a character device (`WHAT: cannot write
 * to a directory`, exit 1).
 */
function checkOutputPath(output: string, what: string): void {
  const dir = path.dirname(path.normalize(output));
  if (dir !== '.' && !fs.existsSync(dir)) throw new StatusError(`${what}: invalid output path: stat ${dir}: no such file or directory`, 1);
  let st: fs.Stats;
  try {
    st = fs.statSync(output);
  } catch {
    return;
  }
  if (st.isDirectory()) throw new StatusError(`${what}: cannot write to a directory`, 1);
  if (st.isCharacterDevice()) throw new StatusError(`${what}: cannot write to a character device file`, 1);
}
