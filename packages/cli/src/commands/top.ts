import type { CliContext, ExitCode } from '../cli-context';
import { renderTable } from '../format/table';

/** `berth top CONTAINER [ps OPTIONS]`: the daemon's ps table, columns padded like docker (tabwriter min width 20). */
export async function run(ctx: CliContext, argv: { container: string; args?: (string | number)[] }): Promise<ExitCode> {
  const psArgs = (argv.args ?? []).map(String).join(' ');
  const r = await ctx.client('fast').containers.top(argv.container, { psArgs });
  ctx.io.stdout.write(renderTable([r.Titles ?? [], ...(r.Processes ?? [])], 20));
  return 0;
}
