import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';
import { eventJson, eventJsonObject, eventLine, eventNanos } from '../format/event-line';
import { goJsonEscape } from '../format/go-text';
import { GoStruct, goStruct } from '../format/go-struct';
import { Template, TemplateError, unescapeFormat } from '../format/template';
import { parseTimestamp } from '../format/timestamp';
import { parseFilterFlags } from './filter-flags';

/** events.Message's fields (Go name, JSON name): what a template may read. */
const MESSAGE_FIELDS = ['Status>status?:s', 'ID>id?:s', 'From>from?:s', 'Type:s', 'Action:s', 'Actor:z', 'Scope>scope:s', 'Time>time?:n', 'TimeNano>timeNano?:n'];

/** An event as a template sees docker's events.Message (Go field names; timeNano exact). */
function messageOf(e: Parameters<typeof eventJsonObject>[0]): GoStruct {
  const o = eventJsonObject(e);
  const actor = (o.Actor as { ID?: string; Attributes?: Record<string, string> } | undefined) ?? {};
  const ns = eventNanos(e);
  return goStruct('*events.Message', MESSAGE_FIELDS, {
    ...o,
    ...(ns !== undefined ? { timeNano: ns } : {}),
    Actor: goStruct('events.Actor', ['ID:s', 'Attributes:z'], { ID: actor.ID ?? '', Attributes: actor.Attributes ?? {} }),
  });
}

/** `berth events [--since] [--until] [--filter] [--format]`: one line per event until `--until` or a signal. */
export async function run(ctx: CliContext, argv: { since?: string; until?: string; filter?: string[]; format?: string }): Promise<ExitCode> {
  const now = ctx.now();
  const format = argv.format === 'json' ? '{{json .}}' : argv.format;
  let tmpl: Template | undefined;
  if (format) {
    // docker's makeTemplate: parsed, then run once on an empty events.Message; either failure is
    // `Error parsing format: ...`, exit 64, before anything is asked of the daemon
    try {
      tmpl = new Template(unescapeFormat(format));
      tmpl.execute(messageOf({}));
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      ctx.io.stderr.write(`Error parsing format: ${e.message}\n`);
      return 64;
    }
  }
  try {
    const events = await ctx.client('general').system.events({
      since: argv.since ? parseTimestamp(argv.since, now) : undefined,
      until: argv.until ? parseTimestamp(argv.until, now) : undefined,
      filters: parseFilterFlags(argv.filter),
    });
    for await (const e of events) {
      if (!tmpl) ctx.io.stdout.write(`${eventLine(e)}\n`);
      else if (format === '{{json .}}') ctx.io.stdout.write(`${goJsonEscape(eventJson(e))}\n`);
      else ctx.io.stdout.write(`${tmpl.execute(messageOf(e))}\n`);
    }
    return 0;
  } catch (e) {
    ctx.io.stderr.write(`${describeError(e)}\n`);
    return 1;
  }
}
