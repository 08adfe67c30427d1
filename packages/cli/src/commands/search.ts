import type { CliContext, ExitCode } from '../cli-context';
import { ellipsis } from '../format/go-text';
import { normalizeFormat, renderRows } from '../format/render';
import { FormatContext } from '../format/template';
import { parseFilterFlags } from './filter-flags';

const HEADERS: Record<string, string> = { Name: 'NAME', Description: 'DESCRIPTION', StarCount: 'STARS', IsOfficial: 'OFFICIAL' };

/**
 * `berth search [--filter] [--limit] [--no-trunc] [--format] TERM`: `GET /images/search` (the
 * daemon asks the registry), printed as docker's table. Without a network the daemon's error is
 * printed as docker prints it (`Error response from daemon: ...`, exit 1).
 */
export async function run(ctx: CliContext, argv: { term: string; filter?: string[]; limit?: string; noTrunc?: boolean; format?: string }): Promise<ExitCode> {
  const limit = argv.limit ? Number(argv.limit) : undefined;
  const results = await ctx.client('general').images.search(argv.term, { limit, filters: parseFilterFlags(argv.filter) });
  const json = argv.format === 'json' || /json/.test(argv.format ?? '');
  const rows = results.map((r) => {
    let desc = (r.description ?? '').replace(/[\n\r]/g, ' ');
    if (!argv.noTrunc) desc = ellipsis(desc, 45);
    const b = (v: boolean | undefined) => (v ? (json ? 'true' : '[OK]') : json ? 'false' : '');
    return new FormatContext({ Name: r.name, Description: desc, StarCount: String(r.star_count ?? 0), IsOfficial: b(r.is_official), IsAutomated: b(r.is_automated) });
  });
  ctx.io.stdout.write(renderRows(normalizeFormat(argv.format, 'table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}'), rows, HEADERS));
  return 0;
}
