import type { CliContext, ExitCode } from '../cli-context';
import { confirm } from '../confirm';
import { humanSize } from '@berth/api';
import { parseFilterFlags } from './filter-flags';

/** `berth container prune [-f] [--filter]`. */
export async function run(ctx: CliContext, argv: { force?: boolean; filter?: string[] }): Promise<ExitCode> {
  if (!argv.force && !(await confirm(ctx.io, 'WARNING! This will remove all stopped containers.'))) return 0;
  const r = await ctx.client('general').containers.prune({ filters: parseFilterFlags(argv.filter) });
  let out = '';
  const deleted = r.ContainersDeleted ?? [];
  if (deleted.length) out += `Deleted Containers:\n${deleted.map((d) => `${d}\n`).join('')}\n`;
  out += `Total reclaimed space: ${humanSize(r.SpaceReclaimed ?? 0, 4)}\n`;
  ctx.io.stdout.write(out);
  return 0;
}
