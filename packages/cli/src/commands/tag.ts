import { parseReference, repositoryName } from '@berth/oci';
import type { CliContext, ExitCode } from '../cli-context';
import { asCliReferenceError } from '../image-reference';

/** `berth tag SOURCE TARGET`: the source as typed, the target normalised (`repo=docker.io/library/x`). */
export async function run(ctx: CliContext, argv: { source: string; target: string }): Promise<ExitCode> {
  let ref: ReturnType<typeof parseReference>;
  try {
    ref = parseReference(argv.target);
  } catch (e) {
    ctx.io.stderr.write(`Error parsing reference: "${argv.target}" is not a valid repository/tag: ${(asCliReferenceError(e) as Error).message}\n`);
    return 1;
  }
  if (ref.digest) {
    ctx.io.stderr.write('Error response from daemon: refusing to create a tag with a digest reference\n');
    return 1;
  }
  await ctx.client('general').images.tag(argv.source, repositoryName(ref), ref.tag ?? 'latest');
  return 0;
}
