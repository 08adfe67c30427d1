import { randomBytes } from 'node:crypto';
import { checkFilterKeys, type Filters } from '@berth/api';
import { AlreadyExistsError, ForbiddenError, InvalidArgumentError, NotFoundError, NotImplementedError } from '@berth/errdefs';
import { pickSubnet } from './address-pools';
import { hostRoutes4 } from './host-routes';
import { type Cidr4, contains4, formatCidr4, formatIPv4, isIPv4, overlaps4, parseCidr4, parseIPv4 } from './ipv4';
import { contains6, formatCidr6, formatIPv6, overlaps6, parseCidr6, parseIPv6 } from './ipv6';
import type { NetworkCatalog, NetworkSummary } from './network-catalog';
import type { AddressPool } from './network-manager';
import type { NetworkRecord } from './network-records';
import { DEFAULT_MTU, ICC_OPT, type NetworkState, optionOff } from './network-state';
import type { IPAMConfig, NetworkCreateRequest, NetworkResource } from './network-types';

const BRIDGE_NAME_OPT = 'com.docker.network.bridge.name';
const MTU_OPT = 'com.docker.network.driver.mtu';
const BUILTIN_DRIVERS = ['overlay', 'macvlan', 'ipvlan'];
const IFNAME_RE = /^[A-Za-z0-9_.-]{1,15}$/;

/** The /networks routes over the bridge driver. */
export class BridgeCatalog implements NetworkCatalog {
  constructor(
    private readonly s: NetworkState,
    private readonly pools: readonly AddressPool[],
  ) {}

  create(req: NetworkCreateRequest): Promise<{ Id: string; Warning: string }> {
    return this.s.locked(async () => {
      const name = typeof req.Name === 'string' ? req.Name : '';
      if (!name) throw new InvalidArgumentError('network name: must not be empty');
      if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw new InvalidArgumentError(`network name "${name}": invalid name, only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
      const driver = req.Driver || 'bridge';
      if (driver === 'host' || driver === 'null') throw new ForbiddenError(`only one instance of "${driver}" network is allowed`);
      if (BUILTIN_DRIVERS.includes(driver)) throw new NotImplementedError(`network driver "${driver}": not supported by berth (bridge only)`);
      if (driver !== 'bridge') throw new NotFoundError(`plugin "${driver}" not found`);
      if ([...this.s.networks.values()].some((n) => n.name === name)) throw new AlreadyExistsError(`network with name ${name} already exists`);
      if (req.IPAM?.Driver && req.IPAM.Driver !== 'default') throw new NotFoundError(`plugin "${req.IPAM.Driver}" not found`);
      const options = { ...(req.Options ?? {}) };
      const labels = { ...(req.Labels ?? {}) };
      const id = randomBytes(32).toString('hex');

      const configs = (req.IPAM?.Config ?? []).filter((c) => c && (c.Subnet || c.Gateway || c.IPRange));
      const v4 = configs.filter((c) => !(c.Subnet ?? '').includes(':'));
      const v6 = configs.filter((c) => (c.Subnet ?? '').includes(':'));
      if (v4.length > 1) throw new NotImplementedError('IPAM config: berth supports one IPv4 subnet per network');
      if (v6.length && !req.EnableIPv6) throw new InvalidArgumentError('IPAM config: an IPv6 subnet needs EnableIPv6');
      const taken = await this.takenSubnets();
      let subnet: Cidr4;
      let gateway: number;
      let range: Cidr4 | undefined;
      const shown: IPAMConfig[] = [];
      const c = v4[0];
      if (c?.Subnet) {
        subnet = parseCidr4(c.Subnet);
        if (subnet.prefix > 30) throw new InvalidArgumentError(`IPAM config: subnet ${c.Subnet} is too small`);
        if (taken.some((t) => overlaps4(t, subnet))) throw new ForbiddenError('Pool overlaps with other one on this address space');
        if (c.IPRange) {
          range = parseCidr4(c.IPRange);
          if (!contains4(subnet, range.base) || range.prefix < subnet.prefix) throw new InvalidArgumentError(`IPAM config: ip-range ${c.IPRange} is not within subnet ${c.Subnet}`);
        }
        if (c.Gateway) {
          if (!isIPv4(c.Gateway)) throw new InvalidArgumentError(`IPAM config: invalid gateway ${c.Gateway}`);
          gateway = parseIPv4(c.Gateway);
          if (!contains4(subnet, gateway)) throw new InvalidArgumentError(`IPAM config: gateway ${c.Gateway} is not within subnet ${c.Subnet}`);
        } else gateway = (subnet.base + 1) >>> 0;
        shown.push({ Subnet: c.Subnet, ...(c.IPRange ? { IPRange: c.IPRange } : {}), Gateway: formatIPv4(gateway), ...(c.AuxiliaryAddresses ? { AuxiliaryAddresses: c.AuxiliaryAddresses } : {}) });
      } else {
        if (c?.Gateway || c?.IPRange) throw new InvalidArgumentError('IPAM config: a gateway or ip-range needs a subnet');
        const picked = pickSubnet(this.pools, taken);
        if (!picked) throw new ForbiddenError('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
        subnet = picked;
        gateway = (subnet.base + 1) >>> 0;
        shown.push({ Subnet: formatCidr4(subnet), Gateway: formatIPv4(gateway) });
      }
      let subnet6 = '';
      let gateway6 = '';
      if (req.EnableIPv6) {
        const c6 = v6[0];
        if (!c6?.Subnet) throw new ForbiddenError('could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network');
        if (v6.length > 1) throw new NotImplementedError('IPAM config: berth supports one IPv6 subnet per network');
        const s6 = parseCidr6(c6.Subnet);
        if (s6.prefix > 124) throw new InvalidArgumentError(`IPAM config: subnet ${c6.Subnet} is too small`);
        for (const n of this.s.networks.values()) if (n.subnet6 && overlaps6(parseCidr6(n.subnet6), s6)) throw new ForbiddenError('Pool overlaps with other one on this address space');
        const g6 = c6.Gateway ? parseIPv6(c6.Gateway) : s6.base + 1n;
        if (!contains6(s6, g6)) throw new InvalidArgumentError(`IPAM config: gateway ${c6.Gateway} is not within subnet ${c6.Subnet}`);
        subnet6 = formatCidr6(s6);
        gateway6 = formatIPv6(g6);
        shown.push({ Subnet: c6.Subnet, Gateway: gateway6 });
      }

      const bridge = options[BRIDGE_NAME_OPT] ?? `br-${id.slice(0, 12)}`;
      if (!IFNAME_RE.test(bridge)) throw new InvalidArgumentError(`${BRIDGE_NAME_OPT} "${bridge}": invalid interface name`);
      if ([...this.s.networks.values()].some((n) => n.bridge === bridge)) throw new AlreadyExistsError(`bridge ${bridge} is used by another network`);
      // Never put addresses on (or later delete) an interface berth did not make.
      if ((await this.s.host.links()).includes(bridge)) throw new AlreadyExistsError(`${BRIDGE_NAME_OPT} "${bridge}": an interface of that name exists already`);
      const mtu = options[MTU_OPT] ? Number(options[MTU_OPT]) : DEFAULT_MTU;
      if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw new InvalidArgumentError(`${MTU_OPT} "${options[MTU_OPT]}": invalid MTU`);

      const rec: NetworkRecord = {
        id,
        name,
        driver: 'bridge',
        created: new Date().toISOString(),
        predefined: false,
        internal: !!req.Internal,
        attachable: !!req.Attachable,
        enableIPv6: !!req.EnableIPv6,
        bridge,
        subnet: formatCidr4(subnet),
        gateway: formatIPv4(gateway),
        ipRange: range ? formatCidr4(range) : '',
        userSubnet: !!c?.Subnet,
        subnet6,
        gateway6,
        ipam: { Driver: 'default', Options: req.IPAM?.Options ?? {}, Config: shown },
        options,
        labels,
      };
      await this.s.host.enableForwarding();
      if (optionOff(options[ICC_OPT])) await this.s.host.enableBridgeFiltering();
      await this.s.host.ensureBridge({ name: bridge, address: `${rec.gateway}/${subnet.prefix}`, address6: subnet6 ? `${gateway6}/${parseCidr6(subnet6).prefix}` : undefined, mtu });
      try {
        await this.s.store.insertNetwork(rec);
        this.s.networks.set(id, rec);
        await this.s.syncFirewall();
      } catch (e) {
        this.s.networks.delete(id);
        await this.s.store.deleteNetwork(id).catch(() => undefined);
        await this.s.host.deleteBridge(bridge).catch(() => undefined);
        throw e;
      }
      await this.s.startDns(rec);
      this.s.event('create', rec);
      return { Id: id, Warning: '' };
    });
  }

  /** Subnets a new network must not overlap: berth's networks and the host's routes (not via berth's bridges). */
  private async takenSubnets(): Promise<Cidr4[]> {
    const ours = [...this.s.networks.values()].filter((n) => n.subnet).map((n) => parseCidr4(n.subnet));
    const bridges = new Set([...this.s.networks.values()].map((n) => n.bridge));
    const host = (await hostRoutes4()).filter((r) => !bridges.has(r.iface)).map((r) => r.cidr);
    return [...ours, ...host];
  }

  async list(filters: Filters = new Map()): Promise<NetworkResource[]> {
    checkFilterKeys(filters, ['name', 'id', 'label', 'driver', 'type', 'scope', 'dangling']);
    for (const t of filters.get('type') ?? []) if (t !== 'custom' && t !== 'builtin') throw new InvalidArgumentError(`invalid filter: 'type'='${t}'`);
    const dangling = filters.get('dangling');
    let danglingOnly: boolean | undefined;
    if (dangling?.length) {
      const v = dangling[0]!.toLowerCase();
      if (v === 'true' || v === '1') danglingOnly = true;
      else if (v === 'false' || v === '0') danglingOnly = false;
      else throw new InvalidArgumentError(`invalid filter 'dangling=${dangling[0]}'`);
    }
    const order = (n: NetworkRecord) => (n.predefined ? ['null', 'host', 'bridge'].indexOf(n.driver) : 3);
    const nets = [...this.s.networks.values()].sort((a, b) => order(a) - order(b) || a.created.localeCompare(b.created));
    return nets.filter((n) => matches(n, filters, this.s.endpointsOn(n.id).length, danglingOnly)).map((n) => this.resource(n));
  }

  async inspect(idOrName: string): Promise<NetworkResource> {
    return this.resource(this.s.findNetwork(idOrName));
  }

  remove(idOrName: string): Promise<void> {
    return this.s.locked(async () => {
      const n = this.s.findNetwork(idOrName);
      await this.removeLocked(n);
    });
  }

  private async removeLocked(n: NetworkRecord): Promise<void> {
    if (n.predefined) throw new ForbiddenError(`${n.name} is a pre-defined network and cannot be removed`);
    if (this.s.endpointsOn(n.id).length) throw new ForbiddenError(`error while removing network: network ${n.name} id ${n.id} has active endpoints`);
    this.s.stopDns(n.id);
    await this.s.host.deleteBridge(n.bridge);
    await this.s.store.deleteNetwork(n.id);
    this.s.networks.delete(n.id);
    await this.s.syncFirewall();
    this.s.event('destroy', n);
  }

  prune(filters: Filters = new Map()): Promise<{ NetworksDeleted: string[] }> {
    checkFilterKeys(filters, ['until', 'label', 'label!']);
    const until = filters.get('until')?.map((v) => parseUntil(v).getTime());
    return this.s.locked(async () => {
      const deleted: string[] = [];
      for (const n of [...this.s.networks.values()]) {
        if (n.predefined || this.s.endpointsOn(n.id).length) continue;
        if (until && !until.every((t) => Date.parse(n.created) < t)) continue;
        if (!labelsMatch(n.labels, filters.get('label') ?? [], filters.get('label!') ?? [])) continue;
        await this.removeLocked(n);
        deleted.push(n.name);
      }
      return { NetworksDeleted: deleted };
    });
  }

  async find(idOrName: string): Promise<NetworkSummary> {
    const n = this.s.findNetwork(idOrName);
    return {
      id: n.id,
      name: n.name,
      driver: n.driver,
      scope: 'local',
      predefined: n.predefined,
      internal: n.internal,
      attachable: n.attachable,
      bridgeName: n.bridge,
      subnet: n.subnet,
      gateway: n.gateway,
      labels: { ...n.labels },
    };
  }

  resource(n: NetworkRecord): NetworkResource {
    const containers: NetworkResource['Containers'] = {};
    const prefix = n.subnet ? parseCidr4(n.subnet).prefix : 0;
    for (const e of this.s.endpointsOn(n.id)) {
      containers[e.containerId] = {
        Name: this.s.sandboxes.get(e.containerId)?.request.name ?? '',
        EndpointID: e.id,
        MacAddress: e.mac,
        IPv4Address: `${e.ipv4}/${prefix}`,
        IPv6Address: e.ipv6 ? `${e.ipv6}/${parseCidr6(n.subnet6).prefix}` : '',
      };
    }
    return {
      Name: n.name,
      Id: n.id,
      Created: n.created,
      Scope: 'local',
      Driver: n.driver,
      EnableIPv6: n.enableIPv6,
      IPAM: { Driver: n.ipam.Driver, Options: n.ipam.Options, Config: n.ipam.Config },
      Internal: n.internal,
      Attachable: n.attachable,
      Ingress: false,
      ConfigFrom: { Network: '' },
      ConfigOnly: false,
      Containers: containers,
      Options: { ...n.options },
      Labels: { ...n.labels },
    };
  }
}

/** Docker's filter match: equal, or the value as a regular expression found in the field. */
function fieldMatch(values: string[] | undefined, field: string): boolean {
  if (!values || !values.length) return true;
  return values.some((v) => {
    if (v === field) return true;
    try {
      return new RegExp(v).test(field);
    } catch {
      return false;
    }
  });
}

function labelsMatch(labels: Record<string, string>, want: string[], notWant: string[]): boolean {
  const has = (f: string) => {
    const i = f.indexOf('=');
    if (i < 0) return f in labels;
    return labels[f.slice(0, i)] === f.slice(i + 1);
  };
  return want.every(has) && !notWant.some(has);
}

function matches(n: NetworkRecord, f: Filters, endpoints: number, danglingOnly: boolean | undefined): boolean {
  if (!fieldMatch(f.get('name'), n.name)) return false;
  if (!fieldMatch(f.get('id'), n.id)) return false;
  if (f.get('driver')?.length && !f.get('driver')!.includes(n.driver)) return false;
  if (f.get('scope')?.length && !f.get('scope')!.includes('local')) return false;
  const types = f.get('type');
  if (types?.length && !types.includes(n.predefined ? 'builtin' : 'custom')) return false;
  if (!labelsMatch(n.labels, f.get('label') ?? [], [])) return false;
  if (danglingOnly === true && (n.predefined || endpoints > 0)) return false;
  if (danglingOnly === false && !n.predefined && endpoints === 0) return false;
  return true;
}

/** Prune's `until`: a unix timestamp, an RFC 3339 time, or a Go duration before now. */
export function parseUntil(v: string, now = Date.now()): Date {
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return new Date(Number(s) * 1000);
  const dur = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(s);
  if (dur && s !== '') return new Date(now - (Number(dur[1] ?? 0) * 3600 + Number(dur[2] ?? 0) * 60 + Number(dur[3] ?? 0)) * 1000);
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new InvalidArgumentError(`invalid filter 'until=${v}'`);
  return new Date(t);
}
