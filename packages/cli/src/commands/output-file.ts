import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CliContext } from '../cli-context';
import { StatusError } from '../cli-errors';

/**
 * Where save/export write: the `-o` file (written to a temp name, renamed when complete, like
 * docker), else stdout — refused when stdout is a terminal.
 */
export async function writeOutput(ctx: CliContext, output: string | undefined, open: () => Promise<Readable>): Promise<void> {
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
