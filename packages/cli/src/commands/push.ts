import { parseReference, repositoryName } from '@berth/oci';
import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';
import { configDir } from '../config';
import { credentialsFor } from '../credentials';
import { printJsonMessages } from '../json-messages-output';

/** `berth push [-q] NAME[:TAG]`: `POST /images/<fully qualified name>/push?tag=..` with the stored credentials. */
export async function run(ctx: CliContext, argv: { image: string; quiet?: boolean; config?: string }): Promise<ExitCode> {
  const ref = parseReference(argv.image);
  let tag = ref.tag;
  if (tag === undefined && ref.digest === undefined) {
    ctx.io.stdout.write('Using default tag: latest\n');
    tag = 'latest';
  }
  const auth = credentialsFor(configDir({ config: argv.config }, ctx.env), ref.domain);
  try {
    const msgs = await ctx.client('general').images.push(repositoryName(ref), { tag: tag ?? ref.digest, auth });
    if (argv.quiet) {
      for await (const _ of msgs) void _;
      ctx.io.stdout.write(`${argv.image}\n`);
    } else await printJsonMessages(msgs, ctx.io.stdout);
    return 0;
  } catch (e) {
    ctx.io.stderr.write(`${describeError(e)}\n`);
    return 1;
  }
}
