import type { CliContext, ExitCode } from '../cli-context';
import { goJsonIndent } from '../format/go-text';

/**
 * `berth manifest inspect NAME`: what the daemon's registry client sees of NAME
 * (`GET /distribution/NAME/json`: the descriptor of its manifest or index, and its platforms).
 * The docker CLI fetches and prints the manifest itself from the registry; berth's CLI talks only
 * to berthd, so it prints the descriptor the daemon resolved instead.
 */
export async function inspect(ctx: CliContext, argv: { names: string[] }): Promise<ExitCode> {
  const name = argv.names[argv.names.length - 1]!;
  const d = await ctx.client('general').images.distribution(name);
  ctx.io.stdout.write(`${goJsonIndent(d)}\n`);
  return 0;
}
