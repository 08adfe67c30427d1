import type { CliContext, ExitCode } from '../cli-context';
import { HISTORY_DEFAULT_FORMAT, HISTORY_HEADERS, HISTORY_RAW_FORMAT, historyRow } from '../format/history-rows';
import { normalizeFormat, renderRows } from '../format/render';

/** `berth history [-H] [--no-trunc] [-q] [--format] IMAGE`. */
export async function run(ctx: CliContext, argv: { image: string; human?: boolean; noTrunc?: boolean; quiet?: boolean; format?: string }): Promise<ExitCode> {
  const human = argv.human !== false;
  const items = await ctx.client('general').images.history(argv.image);
  const now = ctx.now();
  let format = normalizeFormat(argv.format, human ? HISTORY_DEFAULT_FORMAT : HISTORY_RAW_FORMAT);
  if (argv.quiet) format = '{{.ID}}';
  const rows = items.map((h) => historyRow(h, { trunc: !argv.noTrunc, human, now }));
  ctx.io.stdout.write(renderRows(format, rows, HISTORY_HEADERS));
  return 0;
}
