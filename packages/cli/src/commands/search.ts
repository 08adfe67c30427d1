import type { CliContext, ExitCode } from '../cli-context';
import { intFlag } from '../cli-errors';
import { USAGE } from '../command-table';
import { ellipsis } from '../format/go-text';
import { normalizeFormat, renderRows } from '../format/render';
import { formatContextOf } from '../format/template';
import { parseFilterFlags } from './filter-flags';

const HEADERS: Record<string, string> = { Name: 'NAME', Description: 'DESCRIPTION', StarCount: 'STARS', IsOfficial: 'OFFICIAL' };

/** docker's search row (a missing field's error names its Go type). */
const SearchContext = formatContextOf('*registry.searchContext');

/**
 * `berth search [--filter] [--limit] [--no-trunc] [--format] TERM`: `GET /images/search` (the
 * daemon asks the registry's index), printed as docker 28's table (no AUTOMATED column, no
 * IsAutomated field). `--limit` is an int flag (pflag's error, exit 125); an `is-automated`
 * filter gets docker's deprecation warning; the daemon's errors are printed as docker prints
 * them (`Error response from daemon: ...`, exit 1).
 */
export async function run(ctx: CliContext, argv: { term: string; filter?: string[]; limit?: string; noTrunc?: boolean; format?: string }): Promise<ExitCode> {
  const n = intFlag(argv.limit, '--limit', { prog: ctx.prog, command: 'search', synopsis: USAGE.search! });
  // docker's client sends a limit above 0 only
  const limit = n !== undefined && n > 0 ? (n as number) : undefined;
  const filters = parseFilterFlags(argv.filter);
  if (filters && Object.prototype.hasOwnProperty.call(filters, 'is-automated')) {
    ctx.io.stderr.write('WARNING: the "is-automated" filter is deprecated, and searching for "is-automated=true" will not yield any results in future.\n');
  }
  const results = await ctx.client('general').images.search(argv.term, { limit, filters });
  const json = argv.format === 'json' || /json/.test(argv.format ?? '');
  const rows = results.map((r) => {
    let desc = (r.description ?? '').replace(/[\n\r]/g, ' ');
    if (!argv.noTrunc) desc = ellipsis(desc, 45);
    const b = (v: boolean | undefined) => (v ? (json ? 'true' : '[OK]') : json ? 'false' : '');
    return new SearchContext({ Name: r.name, Description: desc, StarCount: String(r.star_count ?? 0), IsOfficial: b(r.is_official) });
  });
  const out = renderRows(normalizeFormat(argv.format, 'table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}'), rows, HEADERS);
  ctx.io.stdout.write(out);
  return 0;
}
