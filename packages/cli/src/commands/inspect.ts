import { stringifyJson } from '@berth/api';
import { statusCodeOf } from '@berth/client';
import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';
import { INSPECT_TYPES } from '../format/docker-types';
import { Template, TemplateError } from '../format/template';

export interface InspectArgv {
  names: string[];
  format?: string;
  size?: boolean;
  type?: string;
}

/**
 * `berth inspect` (containers first, then images, like docker), `berth container inspect` and
 * `berth image inspect` (`kind` fixed). Prints the JSON array (4-space indent), or each element
 * through `-f`; unknown names give `Error: No such object: X` after the output, exit 1.
 */
/** docker 28's `--type` values; berth serves the first four (the rest are swarm's and plugins'). */
const TYPES = ['config', 'container', 'image', 'network', 'node', 'plugin', 'secret', 'service', 'task', 'volume'];

type Kind = 'container' | 'image' | 'network' | 'volume';

export async function run(ctx: CliContext, argv: InspectArgv, kind?: 'container' | 'image'): Promise<ExitCode> {
  const client = ctx.client(kind === 'image' ? 'general' : 'fast');
  const type = kind ?? argv.type;
  if (type !== undefined && !TYPES.includes(type)) {
    const one = TYPES.map((t) => JSON.stringify(t)).join(', ');
    ctx.io.stderr.write(type === '' ? `type is empty: must be one of ${one}\n` : `unknown type: ${JSON.stringify(type)}: must be one of ${one}\n`);
    return 1;
  }
  const fetchers: Record<Kind, (name: string) => Promise<unknown>> = {
    container: (name) => client.containers.inspect(name, { size: argv.size }),
    image: (name) => client.images.inspect(name),
    network: (name) => client.networks.inspect(name),
    volume: (name) => client.volumes.inspect(name),
  };
  // without --type docker tries each kind in this order (swarm's kinds only on a manager)
  const order: Kind[] = type === undefined ? ['container', 'image', 'network', 'volume'] : (Object.keys(fetchers) as Kind[]).includes(type as Kind) ? [type as Kind] : [];
  const tmpl = parseFormat(ctx, argv.format);
  if (tmpl === null) return 64;
  const results: Inspected[] = [];
  for (const name of argv.names) {
    try {
      if (type !== undefined) {
        if (order.length === 0) throw new Error(`Error: No such ${type}: ${name}`);
        results.push({ value: await fetchers[order[0]!](name), goType: INSPECT_TYPES[order[0]!] });
        continue;
      }
      let hit = false;
      for (const k of order) {
        try {
          results.push({ value: await fetchers[k](name), goType: INSPECT_TYPES[k] });
          hit = true;
          break;
        } catch (e) {
          if (statusCodeOf(e) !== 404) throw e;
        }
      }
      if (!hit) results.push({ error: `Error: No such object: ${name}` });
    } catch (e) {
      results.push({ error: describeError(e) });
    }
  }
  return printInspected(ctx, results, tmpl);
}

/** `-f`'s template, undefined without one, null (after saying why) when it does not parse. */
function parseFormat(ctx: CliContext, format: string | undefined): Template | undefined | null {
  if (!format) return undefined;
  try {
    // docker's inspect takes the template as typed: a `\t` stays a backslash and a t
    return new Template(format);
  } catch (e) {
    // docker: a template that does not parse is a usage error, exit 64
    ctx.io.stderr.write(`template parsing error: ${(e as Error).message}\n`);
    return null;
  }
}

/** One name's outcome, in the order the names were given. */
type Inspected = { value: unknown; goType?: string } | { error: string };

/**
 * What every inspect prints (docker's inspect.Inspect): the objects found as a JSON array
 * (4-space indent), or each through the template (a failing one adds its error and the rest go
 * on; nothing printed at all still prints a newline, as docker's Flush); then the errors in the
 * names' order, exit 1 when there were any.
 */
function printInspected(ctx: CliContext, results: Inspected[], tmpl: Template | undefined): ExitCode {
  const errors: string[] = [];
  if (tmpl) {
    let out = '';
    for (const r of results) {
      if ('error' in r) {
        errors.push(r.error);
        continue;
      }
      try {
        out += tmpl.executeInspect(r.value, r.goType) + '\n';
      } catch (e) {
        if (!(e instanceof TemplateError)) throw e;
        errors.push(`template parsing error: ${e.message}`);
      }
    }
    ctx.io.stdout.write(out === '' ? '\n' : out);
  } else {
    const found = results.flatMap((r) => ('value' in r ? [r.value] : []));
    for (const r of results) if ('error' in r) errors.push(r.error);
    ctx.io.stdout.write(found.length === 0 ? '[]\n' : stringifyJson(found, 4) + '\n');
  }
  for (const e of errors) ctx.io.stderr.write(`${e}\n`);
  return errors.length ? 1 : 0;
}

/** `berth volume inspect`, `berth network inspect`: each name through `fetch`, printed as inspect prints. */
export async function inspectEach(ctx: CliContext, names: string[], fetch: (name: string) => Promise<unknown>, format?: string, goType?: string): Promise<ExitCode> {
  const tmpl = parseFormat(ctx, format);
  if (tmpl === null) return 64;
  const results: Inspected[] = [];
  for (const n of names) {
    try {
      results.push({ value: await fetch(n), goType });
    } catch (e) {
      results.push({ error: describeError(e) });
    }
  }
  return printInspected(ctx, results, tmpl);
}
