import type { CliContext, ExitCode } from '../cli-context';

type Bindings = Record<string, { HostIp?: string; HostPort?: string }[] | null>;

function hostPort(ip: string, port: string): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** `berth port CONTAINER [PRIVATE_PORT[/PROTO]]`: from inspect's NetworkSettings.Ports. */
export async function run(ctx: CliContext, argv: { container: string; privatePort?: string }): Promise<ExitCode> {
  const info = await ctx.client('fast').containers.inspect(argv.container);
  const ports = ((info.NetworkSettings as { Ports?: Bindings } | undefined)?.Ports ?? {}) as Bindings;
  if (argv.privatePort) {
    // docker parses the port first (strconv.ParseUint)
    const num = argv.privatePort.split('/')[0]!;
    if (!/^\d+$/.test(num)) {
      ctx.io.stderr.write(`Error: invalid port (${num}): strconv.ParseUint: parsing ${JSON.stringify(num)}: invalid syntax\n`);
      return 1;
    }
    const key = argv.privatePort.includes('/') ? argv.privatePort : `${argv.privatePort}/tcp`;
    const b = ports[key];
    if (!b || b.length === 0) {
      ctx.io.stderr.write(`Error: No public port '${argv.privatePort}' published for ${argv.container}\n`);
      return 1;
    }
    for (const x of b) ctx.io.stdout.write(`${hostPort(x.HostIp || '0.0.0.0', x.HostPort ?? '')}\n`);
    return 0;
  }
  const keys = Object.keys(ports).sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || (a < b ? -1 : a > b ? 1 : 0));
  for (const k of keys) for (const x of ports[k] ?? []) ctx.io.stdout.write(`${k} -> ${hostPort(x.HostIp || '0.0.0.0', x.HostPort ?? '')}\n`);
  return 0;
}
