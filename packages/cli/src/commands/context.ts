import type { CliContext, ExitCode } from '../cli-context';
import { StatusError } from '../cli-errors';
import { configDir, defaultContextHost } from '../config';
import { DEFAULT_CONTEXT, StoredContext, contextExists, contextNameError, currentContextName, listContexts, metaDir, readContext, removeContext, setCurrentContext, tlsDir, writeContext } from '../context-store';
import { goJsonIndent } from '../format/go-text';
import { naturalCompare } from '../format/natural-order';
import { normalizeFormat, renderRows } from '../format/render';
import { formatContextOf } from '../format/template';
import { renderTable } from '../format/table';

/** docker's row type, named in template errors. */
const ClientContextContext = formatContextOf('*formatter.clientContextContext');

const DEFAULT_DESCRIPTION = 'Current BERTH_HOST based configuration';

interface GlobalArgv {
  config?: string;
  host?: string | string[];
}

/*
 * `berth context ls|show|use|inspect|create|rm`: docker's context store in berth's config dir
 * (context-store.ts). `default` is the endpoint from -H, else BERTH_HOST, else the default socket
 * (config.ts' defaultContextHost, which the connection itself uses too).
 */

function dirOf(ctx: CliContext, argv: GlobalArgv): string {
  return configDir({ config: argv.config }, ctx.env);
}

function current(ctx: CliContext, argv: GlobalArgv): string {
  return ctx.env.BERTH_CONTEXT || currentContextName(dirOf(ctx, argv));
}

export async function ls(ctx: CliContext, argv: GlobalArgv & { format?: string; quiet?: boolean }): Promise<ExitCode> {
  const cur = current(ctx, argv);
  const all = [
    { Name: DEFAULT_CONTEXT, Description: DEFAULT_DESCRIPTION, DockerEndpoint: defaultContextHost(argv, ctx.env) },
    ...listContexts(dirOf(ctx, argv)).map((c) => ({ Name: c.Name, Description: c.Metadata?.Description ?? '', DockerEndpoint: c.Endpoints?.docker?.Host ?? '' })),
  ].sort((a, b) => naturalCompare(a.Name, b.Name));
  const rows = all.map((c) => new ClientContextContext({ ...c, Current: c.Name === cur, Error: '' }));
  if (argv.quiet || argv.format) {
    const format = argv.quiet ? '{{.Name}}' : normalizeFormat(argv.format, '');
    ctx.io.stdout.write(renderRows(format, rows, { Name: 'NAME', Description: 'DESCRIPTION', DockerEndpoint: 'DOCKER ENDPOINT', Error: 'ERROR', Current: 'CURRENT' }));
    return 0;
  }
  ctx.io.stdout.write(renderTable([['NAME', 'DESCRIPTION', 'DOCKER ENDPOINT', 'ERROR'], ...all.map((c) => [c.Name === cur ? `${c.Name} *` : c.Name, c.Description, c.DockerEndpoint, ''])]));
  return 0;
}

export async function show(ctx: CliContext, argv: GlobalArgv): Promise<ExitCode> {
  ctx.io.stdout.write(`${current(ctx, argv)}\n`);
  return 0;
}

/** docker's RunUse: a name other than `default` is checked (docker's rule), then looked up. */
export async function use(ctx: CliContext, argv: GlobalArgv & { name: string }): Promise<ExitCode> {
  const dir = dirOf(ctx, argv);
  if (argv.name !== DEFAULT_CONTEXT) {
    const bad = contextNameError(argv.name);
    if (bad) return fail(ctx, bad);
    try {
      readContext(dir, argv.name);
    } catch (e) {
      return fail(ctx, (e as Error).message);
    }
  }
  setCurrentContext(dir, argv.name);
  ctx.io.stdout.write(`${argv.name}\n`);
  ctx.io.stderr.write(`Current context is now ${JSON.stringify(argv.name)}\n`);
  if (argv.name !== DEFAULT_CONTEXT && ctx.env.BERTH_HOST) {
    ctx.io.stderr.write(
      `Warning: BERTH_HOST environment variable overrides the active context. To use ${JSON.stringify(argv.name)}, either set the global --context flag, or unset BERTH_HOST environment variable.\n`,
    );
  }
  return 0;
}

function fail(ctx: CliContext, message: string): ExitCode {
  ctx.io.stderr.write(`${message}\n`);
  return 1;
}

/** `--docker host=URL[,skip-tls-verify=BOOL]`, or `from=NAME`: the endpoint; other keys are not supported. */
function dockerEndpoint(ctx: CliContext, argv: GlobalArgv, spec: string | undefined, from: string | undefined): StoredContext['Endpoints']['docker'] {
  const fromContext = (name: string) => (name === DEFAULT_CONTEXT ? { Host: defaultContextHost(argv, ctx.env), SkipTLSVerify: false } : readContext(dirOf(ctx, argv), name).Endpoints.docker);
  if (!spec) return fromContext(from ?? current(ctx, argv));
  const kv = new Map<string, string>();
  for (const part of spec.split(',')) {
    const i = part.indexOf('=');
    // pflag's stringToString value: a usage error (exit 125)
    if (i < 0) {
      throw new StatusError(
        `invalid argument "${spec}" for "--docker" flag: ${part} must be formatted as key=value\n\nUsage:  ${ctx.prog} context create [OPTIONS] CONTEXT\n\nRun '${ctx.prog} context create --help' for more information`,
        125,
      );
    }
    kv.set(part.slice(0, i), part.slice(i + 1));
  }
  for (const k of kv.keys()) if (!['host', 'skip-tls-verify', 'from'].includes(k)) throw new Error(`unable to create docker endpoint config: unrecognized config key: ${k}`);
  if (kv.has('from')) return fromContext(kv.get('from')!);
  const host = kv.get('host') ?? '';
  return { Host: host, SkipTLSVerify: kv.get('skip-tls-verify') === 'true' };
}

/** docker's `context create`: the name checked, refused when it exists; the endpoint from --docker, --from, or the current context. */
export async function create(ctx: CliContext, argv: GlobalArgv & { name: string; description?: string; docker?: string; from?: string }): Promise<ExitCode> {
  const dir = dirOf(ctx, argv);
  const bad = contextNameError(argv.name);
  if (bad) return fail(ctx, bad);
  if (contextExists(dir, argv.name)) return fail(ctx, `context ${JSON.stringify(argv.name)} already exists`);
  let docker: StoredContext['Endpoints']['docker'];
  try {
    docker = dockerEndpoint(ctx, argv, argv.docker, argv.from);
  } catch (e) {
    if (e instanceof StatusError) throw e;
    return fail(ctx, (e as Error).message);
  }
  // --from copies the named context's description too (default's is its own wording)
  const fromDescription = argv.from === undefined ? undefined : argv.from === DEFAULT_CONTEXT ? DEFAULT_DESCRIPTION : readContext(dir, argv.from).Metadata?.Description;
  const description = argv.description ?? fromDescription;
  writeContext(dir, { Name: argv.name, Metadata: description ? { Description: description } : {}, Endpoints: { docker } });
  ctx.io.stdout.write(`${argv.name}\n`);
  ctx.io.stderr.write(`Successfully created context ${JSON.stringify(argv.name)}\n`);
  return 0;
}

/** docker's `context rm`: each name removed or its error printed; the current one only with -f (then `default` is current). */
export async function rm(ctx: CliContext, argv: GlobalArgv & { names: string[]; force?: boolean }): Promise<ExitCode> {
  const dir = dirOf(ctx, argv);
  const cur = current(ctx, argv);
  const errors: string[] = [];
  for (const name of argv.names) {
    if (name === DEFAULT_CONTEXT) errors.push(`context "${DEFAULT_CONTEXT}" cannot be removed`);
    else if (!contextExists(dir, name)) errors.push(`context ${JSON.stringify(name)} does not exist`);
    else if (name === cur && !argv.force) errors.push(`context ${JSON.stringify(name)} is in use, set -f flag to force remove`);
    else {
      if (name === cur) setCurrentContext(dir, DEFAULT_CONTEXT);
      removeContext(dir, name);
      ctx.io.stdout.write(`${name}\n`);
    }
  }
  if (errors.length) return fail(ctx, errors.join('\n'));
  return 0;
}

export async function inspect(ctx: CliContext, argv: GlobalArgv & { names?: string[] }): Promise<ExitCode> {
  const dir = dirOf(ctx, argv);
  const names = argv.names?.length ? argv.names : [current(ctx, argv)];
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const n of names) {
    if (n === DEFAULT_CONTEXT) {
      found.push({
        Name: DEFAULT_CONTEXT,
        Metadata: {},
        Endpoints: { docker: { Host: defaultContextHost(argv, ctx.env), SkipTLSVerify: false } },
        TLSMaterial: {},
        Storage: { MetadataPath: '<IN MEMORY>', TLSPath: '<IN MEMORY>' },
      });
      continue;
    }
    try {
      const c = readContext(dir, n);
      found.push({ ...c, TLSMaterial: {}, Storage: { MetadataPath: metaDir(dir, n), TLSPath: tlsDir(dir, n) } });
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  ctx.io.stdout.write(`${goJsonIndent(found)}\n`);
  for (const m of errors) ctx.io.stderr.write(`${m}\n`);
  return errors.length ? 1 : 0;
}
