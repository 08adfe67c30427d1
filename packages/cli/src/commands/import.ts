import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { parseReference } from '@berth/oci';
import type { CliContext, ExitCode } from '../cli-context';
import { StatusError } from '../cli-errors';

/**
 * `berth import [-c CHANGE]... [-m MSG] FILE|- [REPO[:TAG]]`: `POST /images/create?fromSrc=-`
 * with the tar as body; `repo` carries the tag as typed. Prints the new image ID.
 */
export async function run(ctx: CliContext, argv: { file: string; reference?: string; change?: string[]; message?: string; platform?: string }): Promise<ExitCode> {
  if (argv.reference) parseReference(argv.reference);
  let source: Readable;
  if (argv.file === '-') source = ctx.io.stdin;
  else {
    if (/^https?:\/\//.test(argv.file)) throw new StatusError('import from a URL is not supported by berth yet', 1);
    try {
      fs.accessSync(argv.file, fs.constants.R_OK);
    } catch {
      throw new StatusError(`open ${argv.file}: no such file or directory`, 1);
    }
    source = fs.createReadStream(argv.file, { highWaterMark: 1024 * 1024 }); // big reads: fewer, larger writes to the daemon
  }
  const msgs = await ctx.client('fast').images.import(source, {
    repo: argv.reference,
    changes: argv.change,
    message: argv.message,
    platform: argv.platform,
  });
  try {
    for await (const m of msgs) {
      if (m.status) ctx.io.stdout.write(`${m.status}\n`);
      else if (m.stream) ctx.io.stdout.write(m.stream);
    }
  } catch (e) {
    throw new StatusError((e as Error).message, 1);
  }
  return 0;
}
