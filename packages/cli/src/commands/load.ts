import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import type { CliContext, ExitCode } from '../cli-context';
import { StatusError } from '../cli-errors';
import { printJsonMessages } from '../json-messages-output';

/** `berth load [-i FILE] [-q]`: the tar from the file or stdin (refused from a terminal); prints `Loaded image: x`. */
export async function run(ctx: CliContext, argv: { input?: string; quiet?: boolean }): Promise<ExitCode> {
  let source: Readable;
  if (argv.input) {
    try {
      fs.accessSync(argv.input, fs.constants.R_OK);
    } catch {
      throw new StatusError(`open ${argv.input}: no such file or directory`, 1);
    }
    source = fs.createReadStream(argv.input, { highWaterMark: 1024 * 1024 }); // big reads: fewer, larger writes to the daemon
  } else {
    if (ctx.io.stdin.isTTY) throw new StatusError('requested load from stdin, but stdin is empty', 1);
    source = ctx.io.stdin;
  }
  // docker sends quiet=1 whenever its stdout is not a terminal
  const quiet = !!argv.quiet || !ctx.io.stdout.isTTY;
  const msgs = await ctx.client('fast').images.load(source, { quiet });
  try {
    await printJsonMessages(msgs, ctx.io.stdout);
  } catch (e) {
    throw new StatusError((e as Error).message, 1);
  }
  return 0;
}
