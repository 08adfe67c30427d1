import type { CliContext, ExitCode } from '../cli-context';

const KIND = ['C', 'A', 'D'];

/** `berth diff CONTAINER`: `C /etc`, `A /new`, `D /gone`. */
export async function run(ctx: CliContext, argv: { container: string }): Promise<ExitCode> {
  const changes = await ctx.client('fast').containers.changes(argv.container);
  ctx.io.stdout.write(changes.map((c) => `${KIND[c.Kind] ?? '?'} ${c.Path}\n`).join(''));
  return 0;
}
