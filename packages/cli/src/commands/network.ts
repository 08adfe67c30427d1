import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';
import { truncateId } from '../format/go-text';
import { normalizeFormat, renderRows } from '../format/render';
import { FormatContext } from '../format/template';
import { parseFilterFlags } from './filter-flags';
import { inspectEach } from './inspect';

const HEADERS: Record<string, string> = { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE' };

/** `berth network ls [-q] [--no-trunc] [--filter] [--format]`. */
export async function ls(ctx: CliContext, argv: { quiet?: boolean; noTrunc?: boolean; filter?: string[]; format?: string }): Promise<ExitCode> {
  const nets = await ctx.client('general').networks.list({ filters: parseFilterFlags(argv.filter) });
  const format = argv.quiet ? '{{.ID}}' : normalizeFormat(argv.format, 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}');
  const rows = nets.map((n) => new FormatContext({ ID: argv.noTrunc ? n.Id : truncateId(n.Id ?? ''), Name: n.Name ?? '', Driver: n.Driver ?? '', Scope: n.Scope ?? '' }));
  ctx.io.stdout.write(renderRows(format, rows, HEADERS));
  return 0;
}

/** `berth network inspect [-f] NETWORK...`. */
export async function inspect(ctx: CliContext, argv: { names: string[]; format?: string }): Promise<ExitCode> {
  const client = ctx.client('general');
  return inspectEach(ctx, argv.names, (n) => client.networks.inspect(n), argv.format);
}

/** `berth network create [-d DRIVER] [--label K=V] NAME`: the CLI's body; prints the ID. */
export async function create(ctx: CliContext, argv: { name: string; driver?: string; label?: string[]; internal?: boolean; attachable?: boolean }): Promise<ExitCode> {
  const labels = Object.fromEntries((argv.label ?? []).map((x) => (x.includes('=') ? [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)] : [x, ''])));
  const r = await ctx.client('general').networks.create({
    Driver: argv.driver || 'bridge',
    Scope: '',
    IPAM: { Driver: 'default', Options: {}, Config: [] },
    Internal: !!argv.internal,
    Attachable: !!argv.attachable,
    Ingress: false,
    ConfigOnly: false,
    ConfigFrom: null,
    Options: {},
    Labels: labels,
    Name: argv.name,
    CheckDuplicate: true,
  });
  if (r.Warning) ctx.io.stderr.write(`${r.Warning}\n`);
  ctx.io.stdout.write(`${r.Id}\n`);
  return 0;
}

/** `berth network rm NETWORK...`: inspect, then delete by ID; echoes each name. */
export async function rm(ctx: CliContext, argv: { networks: string[] }): Promise<ExitCode> {
  const client = ctx.client('general');
  let failed = false;
  for (const n of argv.networks) {
    try {
      const net = await client.networks.inspect(n);
      await client.networks.remove(net.Id ?? n);
      ctx.io.stdout.write(`${n}\n`);
    } catch (e) {
      failed = true;
      ctx.io.stderr.write(`${describeError(e)}\n`);
    }
  }
  if (failed) ctx.io.stderr.write('exit status 1\n'); // docker 28 prints this too
  return failed ? 1 : 0;
}
