import { formatReference, parseReference, withDefaultTag } from '@berth/oci';
import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';
import { configDir } from '../config';
import { credentialsFor } from '../credentials';
import { pullImage } from '../pull-image';

/** `berth pull [-q] [--platform] NAME[:TAG|@DIGEST]`: progress lines, then the full reference. */
export async function run(ctx: CliContext, argv: { image: string; quiet?: boolean; platform?: string; config?: string }): Promise<ExitCode> {
  const ref = parseReference(argv.image);
  if (ref.tag === undefined && ref.digest === undefined && !argv.quiet) ctx.io.stdout.write('Using default tag: latest\n');
  try {
    const sink = argv.quiet ? new (require('node:stream') as typeof import('node:stream')).PassThrough().resume() : ctx.io.stdout;
    const auth = credentialsFor(configDir({ config: argv.config }, ctx.env), ref.domain);
    await pullImage(ctx.client('general'), argv.image, sink, argv.platform, auth);
  } catch (e) {
    ctx.io.stderr.write(`${describeError(e)}\n`);
    return 1;
  }
  ctx.io.stdout.write(`${formatReference(withDefaultTag(ref))}\n`);
  return 0;
}
