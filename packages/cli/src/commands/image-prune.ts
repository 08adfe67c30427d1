import type { CliContext, ExitCode } from '../cli-context';
import { confirm } from '../confirm';
import { humanSize } from '@berth/api';
import { parseFilterFlags } from './filter-flags';

/** `berth image prune [-a] [-f] [--filter]`: dangling=true unless -a (then dangling=false). */
export async function run(ctx: CliContext, argv: { all?: boolean; force?: boolean; filter?: string[] }): Promise<ExitCode> {
  const warning = argv.all
    ? 'WARNING! This will remove all images without at least one container associated to them.'
    : 'WARNING! This will remove all dangling images.';
  if (!argv.force && !(await confirm(ctx.io, warning))) return 0;
  const filters = { dangling: [argv.all ? 'false' : 'true'], ...parseFilterFlags(argv.filter) };
  const r = await ctx.client('general').images.prune({ filters });
  let out = '';
  const items = r.ImagesDeleted ?? [];
  if (items.length) {
    out += 'Deleted Images:\n';
    for (const it of items) {
      if (it.Untagged) out += `untagged: ${it.Untagged}\n`;
      if (it.Deleted) out += `deleted: ${it.Deleted}\n`;
    }
    out += '\n';
  }
  out += `Total reclaimed space: ${humanSize(r.SpaceReclaimed ?? 0, 4)}\n`;
  ctx.io.stdout.write(out);
  return 0;
}
