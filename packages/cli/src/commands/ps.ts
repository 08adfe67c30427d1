import type { CliContext, ExitCode } from '../cli-context';
import { intFlag } from '../cli-errors';
import { USAGE } from '../command-table';
import { PS_DEFAULT_FORMAT, PS_HEADERS, containerRow } from '../format/container-rows';
import { normalizeFormat, renderRows } from '../format/render';
import { Template } from '../format/template';
import { parseFilterFlags } from './filter-flags';

export interface PsArgv {
  all?: boolean;
  quiet?: boolean;
  last?: string;
  latest?: boolean;
  filter?: string[];
  noTrunc?: boolean;
  format?: string;
  size?: boolean;
}

/**
 * docker's buildContainerListOptions: a `--format` is parsed and run once on an empty row before
 * anything is asked of the daemon, its errors prefixed as docker's; gives the fields it read.
 */
function checkFormat(format: string): Set<string> {
  let t: Template;
  try {
    t = new Template(format);
  } catch (e) {
    throw new Error(`failed to parse template: ${(e as Error).message}`, { cause: e });
  }
  const used = new Set<string>();
  const row = containerRow({}, { trunc: true, now: 0 });
  const recording = new Proxy(row, {
    get: (target, k, receiver) => {
      if (typeof k === 'string') used.add(k);
      return Reflect.get(target, k, receiver);
    },
  });
  try {
    t.execute(recording, true);
  } catch (e) {
    throw new Error(`failed to execute template: ${(e as Error).message}`, { cause: e });
  }
  return used;
}

/** `berth ps`: `GET /containers/json`, rendered as docker's table, `-q`, or a `--format` template. */
export async function run(ctx: CliContext, argv: PsArgv): Promise<ExitCode> {
  // pflag's int (base 0); docker's -l only when -n is left at -1, and a limit sent only when above 0
  const last = intFlag(argv.last, '-n, --last', { prog: ctx.prog, command: 'ps', synopsis: USAGE.ps! }) ?? -1;
  const limit = argv.latest && last === -1 ? 1 : last > 0 ? (last as number) : undefined;
  const used = argv.format ? checkFormat(argv.format) : new Set<string>();
  let format = normalizeFormat(argv.format, PS_DEFAULT_FORMAT);
  if (argv.quiet) format = '{{.ID}}';
  else if (argv.size && !argv.format) format += '\t{{.Size}}';
  // sizes are costly: asked for with --size, or when the template reads .Size (`{{json .}}` reads every field)
  const wantsSize = !!argv.size || (!argv.quiet && used.has('Size'));
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
