import { statusCodeOf } from '@berth/client';
import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';
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
export async function run(ctx: CliContext, argv: InspectArgv, kind?: 'container' | 'image'): Promise<ExitCode> {
  const client = ctx.client(kind === 'image' ? 'general' : 'fast');
  const type = kind ?? (argv.type as 'container' | 'image' | undefined);
  if (type !== undefined && type !== 'container' && type !== 'image') {
    ctx.io.stderr.write(`"${type}" is not a valid value for --type\n`);
    return 1;
  }
  const tmpl = parseFormat(ctx, argv.format);
  if (tmpl === null) return 64;
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const name of argv.names) {
    try {
      if (type === 'image') found.push(await client.images.inspect(name));
      else if (type === 'container') found.push(await client.containers.inspect(name, { size: argv.size }));
      else {
        try {
          found.push(await client.containers.inspect(name, { size: argv.size }));
        } catch (e) {
          if (statusCodeOf(e) !== 404) throw e;
          try {
            found.push(await client.images.inspect(name));
          } catch (e2) {
            if (statusCodeOf(e2) !== 404) throw e2;
            errors.push(`Error: No such object: ${name}`);
          }
        }
      }
    } catch (e) {
      errors.push(describeError(e));
    }
  }
  return printInspected(ctx, found, errors, tmpl);
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

/**
 * What every inspect prints: the objects found as a JSON array (4-space indent) or each through
 * the template, then the errors for the names not found; exit 1 when there were any.
 */
function printInspected(ctx: CliContext, found: unknown[], errors: string[], tmpl: Template | undefined): ExitCode {
  if (tmpl) {
    for (const el of found) {
      try {
        ctx.io.stdout.write(tmpl.executeInspect(el) + '\n');
      } catch (e) {
        if (!(e instanceof TemplateError)) throw e;
        ctx.io.stdout.write('\n');
        ctx.io.stderr.write(`template parsing error: ${e.message}\n`);
        return 1;
      }
    }
  } else {
    ctx.io.stdout.write(found.length === 0 ? '[]\n' : JSON.stringify(found, null, 4) + '\n');
  }
  for (const e of errors) ctx.io.stderr.write(`${e}\n`);
  return errors.length ? 1 : 0;
}

/** `berth volume inspect`, `berth network inspect`: each name through `fetch`, printed as inspect prints. */
export async function inspectEach(ctx: CliContext, names: string[], fetch: (name: string) => Promise<unknown>, format?: string): Promise<ExitCode> {
  const tmpl = parseFormat(ctx, format);
  if (tmpl === null) return 64;
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const n of names) {
    try {
      found.push(await fetch(n));
    } catch (e) {
      errors.push(describeError(e));
    }
  }
  return printInspected(ctx, found, errors, tmpl);
}
