import { DEFAULT_HOST } from '@berth/client';
import type { CliContext, ExitCode } from '../cli-context';
import { goJsonIndent } from '../format/go-text';
import { normalizeFormat, renderRows } from '../format/render';
import { formatContextOf } from '../format/template';
import { renderTable } from '../format/table';

/** docker's row type, named in template errors. */
const ClientContextContext = formatContextOf('*formatter.clientContextContext');

/**
 * `berth context ls|show|use|inspect`: berth has one context, docker's `default` (the endpoint
 * from -H, else BERTH_HOST, else the default socket); creating others is not supported.
 */
function endpoint(ctx: CliContext): string {
  return ctx.clientOptions.host === undefined ? DEFAULT_HOST : typeof ctx.clientOptions.host === 'string' ? ctx.clientOptions.host : ctx.clientOptions.host.url;
}

export async function ls(ctx: CliContext, argv: { format?: string; quiet?: boolean }): Promise<ExitCode> {
  const row = new ClientContextContext({ Name: 'default', Current: true, Description: 'Current BERTH_HOST based configuration', DockerEndpoint: endpoint(ctx), Error: '' });
  if (argv.quiet || argv.format) {
    const format = argv.quiet ? '{{.Name}}' : normalizeFormat(argv.format, '');
    ctx.io.stdout.write(renderRows(format, [row], { Name: 'NAME', Description: 'DESCRIPTION', DockerEndpoint: 'DOCKER ENDPOINT', Error: 'ERROR', Current: 'CURRENT' }));
    return 0;
  }
  ctx.io.stdout.write(renderTable([['NAME', 'DESCRIPTION', 'DOCKER ENDPOINT', 'ERROR'], ['default *', 'Current BERTH_HOST based configuration', endpoint(ctx), '']]));
  return 0;
}

export async function show(ctx: CliContext): Promise<ExitCode> {
  ctx.io.stdout.write('default\n');
  return 0;
}

/** `use default` is accepted (it is already current); any other name does not exist. */
export async function use(ctx: CliContext, argv: { name: string }): Promise<ExitCode> {
  if (argv.name !== 'default') {
    ctx.io.stderr.write(`context "${argv.name}": context not found\n`);
    return 1;
  }
  ctx.io.stdout.write('default\n');
  ctx.io.stderr.write('Current context is now "default"\n');
  return 0;
}

export async function inspect(ctx: CliContext, argv: { names?: string[] }): Promise<ExitCode> {
  const names = argv.names?.length ? argv.names : ['default'];
  const missing = names.filter((n) => n !== 'default');
  const found = names.filter((n) => n === 'default').map(() => ({
    Name: 'default',
    Metadata: {},
    Endpoints: { docker: { Host: endpoint(ctx), SkipTLSVerify: false } },
    TLSMaterial: {},
    Storage: { MetadataPath: '<IN MEMORY>', TLSPath: '<IN MEMORY>' },
  }));
  ctx.io.stdout.write(`${goJsonIndent(found)}\n`);
  for (const m of missing) ctx.io.stderr.write(`context "${m}": context not found\n`);
  return missing.length ? 1 : 0;
}
