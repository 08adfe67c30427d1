import { statusCodeOf } from '@berth/client';
import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';
import { confirm } from '../confirm';
import { ownSet } from '../own-set';
import { truncateId } from '../format/go-text';
import { normalizeFormat, renderRows } from '../format/render';
import { naturalCompare } from '../format/natural-order';
import { labelledContextOf } from '../format/template';
import { goTimeText } from '../format/go-time-methods';
import { parseFilterFlags } from './filter-flags';
import { INSPECT_TYPES } from '../format/docker-types';
import { inspectEach } from './inspect';

/** docker's networkContext, with its Label(name) method. */
const NetworkContext = labelledContextOf('*network.networkContext');

const HEADERS: Record<string, string> = { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE' };

/** `berth network ls [-q] [--no-trunc] [--filter] [--format]`. */
export async function ls(ctx: CliContext, argv: { quiet?: boolean; noTrunc?: boolean; filter?: string[]; format?: string }): Promise<ExitCode> {
  const nets = await ctx.client('general').networks.list({ filters: parseFilterFlags(argv.filter) });
  const format = argv.quiet ? '{{.ID}}' : normalizeFormat(argv.format, 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}');
  // docker's CLI lists them by name, in natural order
  const rows = [...nets]
    .sort((a, b) => naturalCompare(a.Name ?? '', b.Name ?? ''))
    .map((n) => {
      const labels = (n.Labels ?? {}) as Record<string, string>;
      const row = new NetworkContext({
        ID: argv.noTrunc ? n.Id : truncateId(n.Id ?? ''),
        Name: n.Name ?? '',
        Driver: n.Driver ?? '',
        Scope: n.Scope ?? '',
        IPv4: String((n as { EnableIPv4?: boolean }).EnableIPv4 ?? false),
        IPv6: String(n.EnableIPv6 ?? false),
        Internal: String(n.Internal ?? false),
        Labels: Object.keys(labels)
          .sort()
          .map((k) => `${k}=${labels[k]}`)
          .join(','),
        CreatedAt: goTimeText(String(n.Created ?? "")),
      }, labels);
      return row;
    });
  ctx.io.stdout.write(renderRows(format, rows, HEADERS));
  return 0;
}

/** `berth network inspect [-f] NETWORK...`. */
export async function inspect(ctx: CliContext, argv: { names: string[]; format?: string }): Promise<ExitCode> {
  const client = ctx.client('general');
  return inspectEach(ctx, argv.names, (n) => client.networks.inspect(n), argv.format, INSPECT_TYPES.network);
}

function keyValues(list: string[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).map((x) => (x.includes('=') ? [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)] : [x, ''])));
}

function ipv4(a: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0]! << 24) >>> 0) + (o[1]! << 16) + (o[2]! << 8) + o[3]!;
}

/** Whether an address (or a CIDR's base) lies in a subnet; v6 by prefix text only. */
function inSubnet(subnet: string, addr: string): boolean {
  const [base, bits] = subnet.split('/');
  const a = ipv4(addr.split('/')[0]!);
  const b = ipv4(base ?? '');
  if (a === undefined || b === undefined) return addr.includes(':') && subnet.includes(':');
  const n = Number(bits);
  const mask = n === 0 ? 0 : (~0 << (32 - n)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

/**
 * docker's consolidateIpam: each --ip-range, --gateway and --aux-address belongs to the
 * --subnet that holds it.
 */
export function ipamConfig(o: { subnet?: string[]; ipRange?: string[]; gateway?: string[]; auxAddress?: string[] }): Record<string, unknown>[] {
  const subnets = o.subnet ?? [];
  const ranges = o.ipRange ?? [];
  const gateways = o.gateway ?? [];
  const aux = keyValues(o.auxAddress);
  if (subnets.length < ranges.length || subnets.length < gateways.length) throw new Error('every ip-range or gateway must have a corresponding subnet');
  const out = subnets.map((s) => ({ Subnet: s, IPRange: '', Gateway: '', AuxiliaryAddresses: {} as Record<string, string> }));
  const place = (what: string, v: string, set: (c: (typeof out)[number]) => boolean): void => {
    const c = out.find((x) => inSubnet(x.Subnet, v));
    if (!c) throw new Error(`no matching subnet for ${what} ${v}`);
    if (!set(c)) throw new Error(`cannot configure multiple ranges (${v}) on the same subnet (${c.Subnet})`);
  };
  for (const r of ranges) place('range', r, (c) => (c.IPRange ? false : ((c.IPRange = r), true)));
  for (const g of gateways) {
    const c = out.find((x) => inSubnet(x.Subnet, g));
    if (!c) throw new Error(`no matching subnet for gateway ${g}`);
    if (c.Gateway) throw new Error(`cannot configure multiple gateways (${g}) for the same subnet (${c.Subnet})`);
    c.Gateway = g;
  }
  for (const [k, v] of Object.entries(aux)) {
    const c = out.find((x) => inSubnet(x.Subnet, v));
    if (!c) throw new Error(`no matching subnet for aux-address ${v}`);
    ownSet(c.AuxiliaryAddresses, k, v);
  }
  return out.map((c) => ({
    Subnet: c.Subnet,
    ...(c.IPRange ? { IPRange: c.IPRange } : {}),
    ...(c.Gateway ? { Gateway: c.Gateway } : {}),
    ...(Object.keys(c.AuxiliaryAddresses).length ? { AuxiliaryAddresses: c.AuxiliaryAddresses } : {}),
  }));
}

interface CreateArgs {
  name: string;
  driver?: string;
  label?: string[];
  opt?: string[];
  internal?: boolean;
  attachable?: boolean;
  ipv6?: boolean;
  subnet?: string[];
  ipRange?: string[];
  gateway?: string[];
  auxAddress?: string[];
  ipamDriver?: string;
  ipamOpt?: string[];
}

/** `berth network create [-d DRIVER] [--subnet --gateway --ip-range --aux-address] [--internal] [--ipv6] [-o K=V] [--label K=V] NAME`: the CLI's body; prints the ID. */
export async function create(ctx: CliContext, argv: CreateArgs): Promise<ExitCode> {
  let config: Record<string, unknown>[];
  try {
    config = ipamConfig(argv);
  } catch (e) {
    ctx.io.stderr.write(`${(e as Error).message}\n`);
    return 1;
  }
  const r = await ctx.client('general').networks.create({
    Driver: argv.driver || 'bridge',
    Scope: '',
    EnableIPv6: !!argv.ipv6,
    IPAM: { Driver: argv.ipamDriver || 'default', Options: keyValues(argv.ipamOpt), Config: config },
    Internal: !!argv.internal,
    Attachable: !!argv.attachable,
    Ingress: false,
    ConfigOnly: false,
    ConfigFrom: null,
    Options: keyValues(argv.opt),
    Labels: keyValues(argv.label),
    Name: argv.name,
    CheckDuplicate: true,
  });
  if (r.Warning) ctx.io.stderr.write(`${r.Warning}\n`);
  ctx.io.stdout.write(`${r.Id}\n`);
  return 0;
}

/** `berth network connect [--alias A] [--ip IP] [--ip6 IP] [--link C:A] [--link-local-ip IP] [--driver-opt K=V] NETWORK CONTAINER`. */
export async function connect(
  ctx: CliContext,
  argv: { network: string; container: string; alias?: string[]; ip?: string; ip6?: string; link?: string[]; linkLocalIp?: string[]; driverOpt?: string[] },
): Promise<ExitCode> {
  const ipam: Record<string, unknown> = {};
  if (argv.ip) ipam.IPv4Address = argv.ip;
  if (argv.ip6) ipam.IPv6Address = argv.ip6;
  if (argv.linkLocalIp?.length) ipam.LinkLocalIPs = argv.linkLocalIp;
  await ctx.client('general').networks.connect(argv.network, {
    Container: argv.container,
    EndpointConfig: {
      IPAMConfig: ipam,
      Links: argv.link?.length ? argv.link : null,
      Aliases: argv.alias?.length ? argv.alias : null,
      DriverOpts: argv.driverOpt?.length ? keyValues(argv.driverOpt) : null,
    },
  });
  return 0;
}

/** `berth network disconnect [-f] NETWORK CONTAINER`. */
export async function disconnect(ctx: CliContext, argv: { network: string; container: string; force?: boolean }): Promise<ExitCode> {
  await ctx.client('general').networks.disconnect(argv.network, { Container: argv.container, Force: !!argv.force });
  return 0;
}

/** `berth network prune [-f] [--filter]`: docker's prompt and "Deleted Networks:" list. */
export async function prune(ctx: CliContext, argv: { force?: boolean; filter?: string[] }): Promise<ExitCode> {
  if (!argv.force && !(await confirm(ctx.io, 'WARNING! This will remove all custom networks not used by at least one container.'))) return 0;
  const r = await ctx.client('general').networks.prune({ filters: parseFilterFlags(argv.filter) });
  const deleted = r.NetworksDeleted ?? [];
  if (deleted.length) ctx.io.stdout.write(`Deleted Networks:\n${deleted.map((d) => `${d}\n`).join('')}\n`);
  return 0;
}

/** `berth network rm [-f] NETWORK...`: inspect, then delete by ID; echoes each name; `-f`: a missing one is no error. */
export async function rm(ctx: CliContext, argv: { networks: string[]; force?: boolean }): Promise<ExitCode> {
  const client = ctx.client('general');
  let failed = false;
  for (const n of argv.networks) {
    try {
      const net = await client.networks.inspect(n);
      await client.networks.remove(net.Id ?? n);
      ctx.io.stdout.write(`${n}\n`);
    } catch (e) {
      if (argv.force && statusCodeOf(e) === 404) continue;
      failed = true;
      ctx.io.stderr.write(`${describeError(e)}\n`);
    }
  }
  if (failed) ctx.io.stderr.write('exit status 1\n'); // docker 28 prints this too
  return failed ? 1 : 0;
}
