import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';
import { normalizeFormat, renderRows } from '../format/render';
import { STATS_DEFAULT_FORMAT, STATS_HEADERS, statsRow } from '../format/stats-row';

/**
 * `berth stats --no-stream [-a] [--no-trunc] [--format] [CONTAINER...]`: one sample per container,
 * fetched in parallel, printed like docker. Live (streaming) display is not implemented: without
 * --no-stream berth prints one sample too.
 */
export async function run(ctx: CliContext, argv: { containers?: string[]; all?: boolean; noStream?: boolean; noTrunc?: boolean; format?: string }): Promise<ExitCode> {
  const client = ctx.client('fast');
  let names = argv.containers ?? [];
  if (names.length === 0) names = (await client.containers.list({ all: argv.all })).map((c) => c.Id.slice(0, 12));
  const results = await Promise.allSettled(names.map((n) => client.containers.stats(n)));
  const rows = [];
  let failed = false;
  for (let i = 0; i < results.length; i++) {
    const r = results[i]!;
    if (r.status === 'fulfilled') rows.push(statsRow(r.value, { trunc: !argv.noTrunc, container: names[i]! }));
    else {
      failed = true;
      ctx.io.stderr.write(`${describeError(r.reason)}\n`);
    }
  }
  if (failed) return 1; // docker prints no table when a container fails
  ctx.io.stdout.write(renderRows(normalizeFormat(argv.format, STATS_DEFAULT_FORMAT), rows, STATS_HEADERS));
  return 0;
}
