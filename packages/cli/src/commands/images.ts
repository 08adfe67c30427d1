import type { CliContext, ExitCode } from '../cli-context';
import { IMAGES_DEFAULT_FORMAT, IMAGES_DIGESTS_FORMAT, IMAGES_HEADERS, imageRows } from '../format/image-rows';
import { normalizeFormat, renderRows } from '../format/render';
import { parseFilterFlags } from './filter-flags';

export interface ImagesArgv {
  repository?: string;
  all?: boolean;
  quiet?: boolean;
  digests?: boolean;
  noTrunc?: boolean;
  filter?: string[];
  format?: string;
}

/** `berth images [REPOSITORY[:TAG]]` / `berth image ls`. */
export async function run(ctx: CliContext, argv: ImagesArgv): Promise<ExitCode> {
  const filters = parseFilterFlags(argv.filter);
  if (argv.repository) (filters.reference ??= []).push(argv.repository);
  const list = await ctx.client('general').images.list({ all: argv.all, filters });
  const now = ctx.now();
  let format = normalizeFormat(argv.format, argv.digests ? IMAGES_DIGESTS_FORMAT : IMAGES_DEFAULT_FORMAT);
  if (argv.quiet) format = '{{.ID}}';
  const digests = !!argv.digests || /\.Digest\b/.test(format);
  const rows = list.flatMap((i) => imageRows(i, { trunc: !argv.noTrunc, now, digests }));
  ctx.io.stdout.write(renderRows(format, rows, IMAGES_HEADERS));
  return 0;
}
