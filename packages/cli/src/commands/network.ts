import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';
import { truncateId } from '../format/go-text';
import { normalizeFormat, renderRows } from '../format/render';
import { FormatContext, Template, unescapeFormat } from '../format/template';
import { parseFilterFlags } from './filter-flags';

const HEADERS: Record<string, string> = { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE' };

/** `berth network ls [-q] [--no-trunc] [--filter] [--format]`. */
export async function ls(ctx: CliContext, argv: { quiet?: boolean; noTrunc?: boolean; filter?: string[]; format?: string }): Promise<ExitCode> {
  const nets = await ctx.client('general').networks.list({ filters: parseFilterFlags(argv.filter) });
  const format = argv.quiet ? '{{.ID}}' : normalizeFormat(argv.format, 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}');
  const rows = nets.map((n) => new FormatContext({ ID: argv.noTrunc ? n.Id : truncateId(n.Id ?? ''), Name: n.Name ?? '', Driver: n.Driver ?? '', Scope: n.Scope ?? '' }));
  ctx.io.stdout.write(renderRows(format, rows, HEADERS));
  return 0;
}

/** `berth network inspect [-f] NETWORK...`. */
export async function inspect(ctx: CliContext, argv: { names: string[]; format?: string }): Promise<ExitCode> {
  const client = ctx.client('general');
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const n of argv.names) {
    try {
      found.push(await client.networks.inspect(n));
    } catch (e) {
      errors.push(describeError(e));
    }
  }
  if (argv.format) {
    const t = new Template(unescapeFormat(argv.format));
    for (const f of found) ctx.io.stdout.write(`${t.execute(f)}\n`);
  } else ctx.io.stdout.write(found.length ? `${JSON.stringify(found, null, 4)}\n` : '[]\n');
  for (const e of errors) ctx.io.stderr.write(`${e}\n`);
  return errors.length ? 1 : 0;
}
