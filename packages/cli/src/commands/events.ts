import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';
import { eventJson, eventJsonObject, eventLine } from '../format/event-line';
import { goJsonEscape } from '../format/go-text';
import { Template, unescapeFormat } from '../format/template';
import { parseTimestamp } from '../format/timestamp';
import { parseFilterFlags } from './filter-flags';

/** `berth events [--since] [--until] [--filter] [--format]`: one line per event until `--until` or a signal. */
export async function run(ctx: CliContext, argv: { since?: string; until?: string; filter?: string[]; format?: string }): Promise<ExitCode> {
  const now = ctx.now();
  const format = argv.format === 'json' ? '{{json .}}' : argv.format;
  const tmpl = format ? new Template(unescapeFormat(format)) : undefined;
  try {
    const events = await ctx.client('general').system.events({
      since: argv.since ? parseTimestamp(argv.since, now) : undefined,
      until: argv.until ? parseTimestamp(argv.until, now) : undefined,
      filters: parseFilterFlags(argv.filter),
    });
    for await (const e of events) {
      if (!tmpl) ctx.io.stdout.write(`${eventLine(e)}\n`);
      else if (format === '{{json .}}') ctx.io.stdout.write(`${goJsonEscape(eventJson(e))}\n`);
      else ctx.io.stdout.write(`${tmpl.execute(eventJsonObject(e))}\n`);
    }
    return 0;
  } catch (e) {
    ctx.io.stderr.write(`${describeError(e)}\n`);
    return 1;
  }
}
