import { PassThrough } from 'node:stream';
import { formatReference, parseReference, repositoryName, withDefaultTag } from '@berth/oci';
import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';
import { configDir } from '../config';
import { credentialsFor } from '../credentials';
import { asCliReferenceError } from '../image-reference';
import { printJsonMessages } from '../json-messages-output';
import { pullImage } from '../pull-image';

/**
 * `berth pull [-a] [-q] [--platform] NAME[:TAG|@DIGEST]`: progress (per-layer lines on a
 * terminal), then the full reference; with `-a` every tag of the repository and no reference line.
 * Credentials stored by `berth login` for the registry go in `X-Registry-Auth`.
 */
export async function run(ctx: CliContext, argv: { image: string; quiet?: boolean; platform?: string; config?: string; allTags?: boolean }): Promise<ExitCode> {
  let ref;
  try {
    ref = parseReference(argv.image);
  } catch (e) {
    ctx.io.stderr.write(`${describeError(asCliReferenceError(e))}\n`);
    return 1;
  }
  if (argv.allTags && (ref.tag !== undefined || ref.digest !== undefined)) {
    ctx.io.stderr.write(`tag can't be used with --all-tags/-a\n`);
    return 1;
  }
  if (ref.tag === undefined && ref.digest === undefined && !argv.quiet && !argv.allTags) ctx.io.stdout.write('Using default tag: latest\n');
  try {
    const sink = argv.quiet ? new PassThrough().resume() : ctx.io.stdout;
    const auth = credentialsFor(configDir({ config: argv.config }, ctx.env), ref.domain);
    if (argv.allTags) {
      const msgs = await ctx.client('general').images.pull({ fromImage: repositoryName(ref), ...(argv.platform ? { platform: argv.platform } : {}), auth });
      await printJsonMessages(msgs, sink);
      return 0;
    }
    await pullImage(ctx.client('general'), argv.image, sink, argv.platform, auth);
  } catch (e) {
    ctx.io.stderr.write(`${describeError(e)}\n`);
    return 1;
  }
  ctx.io.stdout.write(`${formatReference(withDefaultTag(ref))}\n`);
  return 0;
}
