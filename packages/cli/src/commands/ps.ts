import type { CliContext, ExitCode } from '../cli-context';
import { PS_DEFAULT_FORMAT, PS_HEADERS, containerRow } from '../format/container-rows';
import { normalizeFormat, renderRows } from '../format/render';
import { parseFilterFlags } from './filter-flags';

export interface PsArgv {
  all?: boolean;
  quiet?: boolean;
  last?: number;
  latest?: boolean;
  filter?: string[];
  noTrunc?: boolean;
  format?: string;
  size?: boolean;
}

/** `berth ps`: `GET /containers/json`, rendered as docker's table, `-q`, or a `--format` template. */
export async function run(ctx: CliContext, argv: PsArgv): Promise<ExitCode> {
  const limit = argv.latest ? 1 : argv.last !== undefined && argv.last > 0 ? argv.last : undefined;
  let format = normalizeFormat(argv.format, PS_DEFAULT_FORMAT);
  if (argv.quiet) format = '{{.ID}}';
  else if (argv.size && !argv.format) format += '\t{{.Size}}';
  const wantsSize = !!argv.size || (!argv.quiet && /\.Size\b/.test(format) && !!argv.format && argv.format !== 'json');
  const list = await ctx.client('fast').containers.list({
    all: argv.all,
    limit,
    size: wantsSize,
    filters: parseFilterFlags(argv.filter),
  });
  const now = ctx.now();
  const rows = list.map((c) => containerRow(c, { trunc: !argv.noTrunc, now }));
  ctx.io.stdout.write(renderRows(format, rows, PS_HEADERS));
  return 0;
}
