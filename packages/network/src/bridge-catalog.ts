import { randomBytes } from 'node:crypto';
import { AlreadyExistsError, ForbiddenError, InvalidArgumentError, NotFoundError, NotImplementedError } from '@berth/errdefs';
import { rfc3339Nano } from '@berth/oci';
import { pickSubnet } from './address-pools';
import { hostRoutes4 } from './host-routes';
import { type Cidr4, contains4, formatCidr4, formatIPv4, isIPv4, overlaps4, parseCidr4, parseIPv4 } from './ipv4';
import { contains6, formatCidr6, formatIPv6, overlaps6, parseCidr6, parseIPv6 } from './ipv6';
import type { NetworkCatalog, NetworkCreateOptions, NetworkInfo, NetworkSummary } from './network-catalog';
import type { AddressPool } from './network-manager';
import { DEFAULT_MTU, ICC_OPT, type NetworkState, optionOff } from './network-state';
import type { NetworkRecord, StoredIpamConfig } from './network-records';

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

  create(req: NetworkCreateOptions): Promise<string> {
    return this.s.locked(async () => {
      const name = typeof req.name === 'string' ? req.name : '';
      if (!name) throw new InvalidArgumentError('network name: must not be empty');
      if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw new InvalidArgumentError(`network name "${name}": invalid name, only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
      const driver = req.driver || 'bridge';
      if (driver === 'host' || driver === 'null') throw new ForbiddenError(`only one instance of "${driver}" network is allowed`);
      if (BUILTIN_DRIVERS.includes(driver)) throw new NotImplementedError(`network driver "${driver}": not supported by berth (bridge only)`);
      if (driver !== 'bridge') throw new NotFoundError(`plugin "${driver}" not found`);
      if ([...this.s.networks.values()].some((n) => n.name === name)) throw new AlreadyExistsError(`network with name ${name} already exists`);
      if (req.ipamDriver && req.ipamDriver !== 'default') throw new NotFoundError(`plugin "${req.ipamDriver}" not found`);
      const options = { ...(req.options ?? {}) };
      const labels = { ...(req.labels ?? {}) };
      const id = randomBytes(32).toString('hex');

      const configs = (req.ipamConfigs ?? []).filter((c) => c && (c.subnet || c.gateway || c.ipRange));
      const v4 = configs.filter((c) => !(c.subnet ?? '').includes(':'));
      const v6 = configs.filter((c) => (c.subnet ?? '').includes(':'));
      if (v4.length > 1) throw new NotImplementedError('IPAM config: berth supports one IPv4 subnet per network');
      if (v6.length && !req.enableIPv6) throw new InvalidArgumentError('IPAM config: an IPv6 subnet needs EnableIPv6');
      const taken = await this.takenSubnets();
      let subnet: Cidr4;
      let gateway: number;
      let range: Cidr4 | undefined;
      const shown: StoredIpamConfig[] = [];
      const c = v4[0];
      if (c?.subnet) {
        subnet = parseCidr4(c.subnet);
        if (subnet.prefix > 30) throw new InvalidArgumentError(`IPAM config: subnet ${c.subnet} is too small`);
        if (taken.some((t) => overlaps4(t, subnet))) throw new ForbiddenError('Pool overlaps with other one on this address space');
        if (c.ipRange) {
          range = parseCidr4(c.ipRange);
          if (!contains4(subnet, range.base) || range.prefix < subnet.prefix) throw new InvalidArgumentError(`IPAM config: ip-range ${c.ipRange} is not within subnet ${c.subnet}`);
        }
        if (c.gateway) {
          if (!isIPv4(c.gateway)) throw new InvalidArgumentError(`IPAM config: invalid gateway ${c.gateway}`);
          gateway = parseIPv4(c.gateway);
          if (!contains4(subnet, gateway)) throw new InvalidArgumentError(`IPAM config: gateway ${c.gateway} is not within subnet ${c.subnet}`);
        } else gateway = (subnet.base + 1) >>> 0;
        shown.push({ Subnet: c.subnet, ...(c.ipRange ? { IPRange: c.ipRange } : {}), Gateway: formatIPv4(gateway), ...(c.auxAddresses ? { AuxiliaryAddresses: c.auxAddresses } : {}) });
      } else {
        if (c?.gateway || c?.ipRange) throw new InvalidArgumentError('IPAM config: a gateway or ip-range needs a subnet');
        const picked = pickSubnet(this.pools, taken);
        if (!picked) throw new ForbiddenError('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
        subnet = picked;
        gateway = (subnet.base + 1) >>> 0;
        shown.push({ Subnet: formatCidr4(subnet), Gateway: formatIPv4(gateway) });
      }
      let subnet6 = '';
      let gateway6 = '';
      if (req.enableIPv6) {
        const c6 = v6[0];
        if (!c6?.subnet) throw new ForbiddenError('could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network');
        if (v6.length > 1) throw new NotImplementedError('IPAM config: berth supports one IPv6 subnet per network');
        const s6 = parseCidr6(c6.subnet);
        if (s6.prefix > 124) throw new InvalidArgumentError(`IPAM config: subnet ${c6.subnet} is too small`);
        for (const n of this.s.networks.values()) if (n.subnet6 && overlaps6(parseCidr6(n.subnet6), s6)) throw new ForbiddenError('Pool overlaps with other one on this address space');
        const g6 = c6.gateway ? parseIPv6(c6.gateway) : s6.base + 1n;
        if (!contains6(s6, g6)) throw new InvalidArgumentError(`IPAM config: gateway ${c6.gateway} is not within subnet ${c6.subnet}`);
        subnet6 = formatCidr6(s6);
        gateway6 = formatIPv6(g6);
        shown.push({ Subnet: c6.subnet, Gateway: gateway6 });
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
        // libnetwork's time.Now(): RFC3339Nano in the daemon's zone
        created: rfc3339Nano(new Date(), { local: true }),
        predefined: false,
        internal: !!req.internal,
        attachable: !!req.attachable,
        enableIPv6: !!req.enableIPv6,
        bridge,
        subnet: formatCidr4(subnet),
        gateway: formatIPv4(gateway),
        ipRange: range ? formatCidr4(range) : '',
        userSubnet: !!c?.subnet,
        subnet6,
        gateway6,
        ipam: { Driver: 'default', Options: req.ipamOptions ?? {}, Config: shown },
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
      return id;
    });
  }

  /** Subnets a new network must not overlap: berth's networks and the host's routes (not via berth's bridges). */
  private async takenSubnets(): Promise<Cidr4[]> {
    const ours = [...this.s.networks.values()].filter((n) => n.subnet).map((n) => parseCidr4(n.subnet));
    const bridges = new Set([...this.s.networks.values()].map((n) => n.bridge));
    const host = (await hostRoutes4()).filter((r) => !bridges.has(r.iface)).map((r) => r.cidr);
    return [...ours, ...host];
  }

  async list(): Promise<NetworkInfo[]> {
    const order = (n: NetworkRecord) => (n.predefined ? ['null', 'host', 'bridge'].indexOf(n.driver) : 3);
    const nets = [...this.s.networks.values()].sort((a, b) => order(a) - order(b) || Date.parse(a.created) - Date.parse(b.created) || a.created.localeCompare(b.created));
    return nets.map((n) => this.info(n));
  }

  async inspect(idOrName: string): Promise<NetworkInfo> {
    return this.info(this.s.findNetwork(idOrName));
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

  prune(select: (n: NetworkInfo) => boolean): Promise<string[]> {
    return this.s.locked(async () => {
      const deleted: string[] = [];
      for (const n of [...this.s.networks.values()]) {
        if (n.predefined || this.s.endpointsOn(n.id).length) continue;
        if (!select(this.info(n))) continue;
        await this.removeLocked(n);
        deleted.push(n.name);
      }
      return deleted;
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

  info(n: NetworkRecord): NetworkInfo {
    const prefix = n.subnet ? parseCidr4(n.subnet).prefix : 0;
    return {
      id: n.id,
      name: n.name,
      driver: n.driver,
      scope: 'local',
      created: n.created,
      predefined: n.predefined,
      internal: n.internal,
      attachable: n.attachable,
      enableIPv6: n.enableIPv6,
      ipamDriver: n.ipam.Driver,
      ipamOptions: n.ipam.Options,
      ipamConfigs: n.ipam.Config.map((c) => ({
        ...(c.Subnet !== undefined ? { subnet: c.Subnet } : {}),
        ...(c.IPRange !== undefined ? { ipRange: c.IPRange } : {}),
        ...(c.Gateway !== undefined ? { gateway: c.Gateway } : {}),
        ...(c.AuxiliaryAddresses !== undefined ? { auxAddresses: c.AuxiliaryAddresses } : {}),
      })),
      options: { ...n.options },
      labels: { ...n.labels },
      endpoints: this.s.endpointsOn(n.id).map((e) => ({
        containerId: e.containerId,
        containerName: this.s.sandboxes.get(e.containerId)?.request.name ?? '',
        endpointId: e.id,
        mac: e.mac,
        ipv4: `${e.ipv4}/${prefix}`,
        ipv6: e.ipv6 ? `${e.ipv6}/${parseCidr6(n.subnet6).prefix}` : '',
      })),
    };
  }
}
