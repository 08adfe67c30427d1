import { parseReference, repositoryName } from '@berth/oci';
import type { CliContext, ExitCode } from '../cli-context';

/** `berth commit [-a] [-m] [-c]... [-p] CONTAINER [REPOSITORY[:TAG]]`: prints the new image ID. */
export async function run(ctx: CliContext, argv: { container: string; reference?: string; author?: string; message?: string; change?: string[]; pause?: boolean }): Promise<ExitCode> {
  let repo: string | undefined;
  let tag: string | undefined;
  if (argv.reference) {
    const ref = parseReference(argv.reference);
    repo = repositoryName(ref);
    tag = ref.tag;
  }
  const id = await ctx.client('general').containers.commit(argv.container, {
    repo,
    tag,
    author: argv.author,
    comment: argv.message,
    changes: argv.change,
    pause: argv.pause,
  });
  ctx.io.stdout.write(`${id}\n`);
  return 0;
}
