import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { InvalidArgumentError } from '@berth/errdefs';
import { silentLogger } from '@berth/log';
import { rfc3339Nano } from '@berth/oci';
import { DOCKER_DEFAULT_POOLS, pickSubnet } from './address-pools';
import { BridgeAttacher } from './bridge-attacher';
import { BridgeCatalog } from './bridge-catalog';
import { Firewall } from './firewall';
import type { HostNet } from './host-net';
import { hostRoutes4 } from './host-routes';
import { IpHostNet } from './ip-host-net';
import { loadNetNative, nativeNftApplier, NET_NATIVE_PATH, NetlinkHostNet } from './netlink-host-net';
import { formatCidr4, formatIPv4, overlaps4, parseAddrPrefix4, parseCidr4 } from './ipv4';
import { networkMigrations } from './migrations';
import type { NetworkManager, NetworkManagerConfig } from './network-manager';
import type { NetworkRecord } from './network-records';
import { DEFAULT_MTU, ICC_OPT, NetworkState, optionOff } from './network-state';
import { NetworkStore } from './network-store';
import { PortHolder } from './port-holder';
import { netnsDir } from './netns-dir';

/** Test seams: the host objects and the firewall applier. */
export interface NetworkManagerInternals {
  host?: HostNet;
  applyFirewall?: (script: string) => Promise<void>;
}

/**
 * Opens the network component: applies its migrations, makes the predefined networks
 * (bridge, host, none) and the bridges of every network, the firewall table, the DNS
 * servers. Call `attacher.restore` once the daemon knows which containers still run.
 */
export async function openNetworkManager(cfg: NetworkManagerConfig, internals: NetworkManagerInternals = {}): Promise<NetworkManager> {
  const logger = cfg.logger ?? silentLogger;
  await cfg.db.migrate(networkMigrations);
  await fs.mkdir(netnsDir(cfg.stateDir), { recursive: true });
  const store = new NetworkStore(cfg.db);
  const native = internals.host ? undefined : loadNetNative();
  if (!internals.host && !native) logger.warn({ addon: NET_NATIVE_PATH }, 'network: native addon not built; using ip commands (slower starts)');
  const host = internals.host ?? (native ? new NetlinkHostNet(native) : new IpHostNet());
  const state = new NetworkState(
    store,
    host,
    new Firewall(internals.applyFirewall ?? (native ? nativeNftApplier(native) : undefined)),
    new PortHolder(),
    logger,
    cfg.stateDir,
    cfg.hostResolvConf ?? '/etc/resolv.conf',
    (e) => cfg.onEvent?.(e),
  );
  const all = await store.loadAll();
  for (const n of all.networks) state.networks.set(n.id, n);
  for (const sb of all.sandboxes) state.sandboxes.set(sb.containerId, sb);
  for (const e of all.endpoints) state.endpoints.set(e.containerId, [...(state.endpoints.get(e.containerId) ?? []), e]);
  for (const p of all.ports) state.ports.set(p.containerId, [...(state.ports.get(p.containerId) ?? []), p]);

  await ensurePredefined(state, cfg);
  for (const n of state.networks.values()) {
    if (n.driver !== 'bridge') continue;
    await host.enableForwarding();
    if (optionOff(n.options[ICC_OPT])) await host.enableBridgeFiltering();
    await host.ensureBridge({ name: n.bridge, address: `${n.gateway}/${parseCidr4(n.subnet).prefix}`, address6: n.subnet6 ? `${n.gateway6}/${n.subnet6.split('/')[1]}` : undefined, mtu: Number(n.options['com.docker.network.driver.mtu']) || DEFAULT_MTU });
  }
  await state.syncFirewall();
  await state.hostResolv();
  for (const n of state.networks.values()) await state.startDns(n);

  const catalog = new BridgeCatalog(state, cfg.defaultAddressPools ?? DOCKER_DEFAULT_POOLS);
  const attacher = new BridgeAttacher(state);
  return {
    catalog,
    attacher,
    async close() {
      await state.locked(async () => {
        state.stopAllDns();
        state.portHolder.releaseAll();
        await state.firewall.idle();
      });
    },
  };
}

/** bridge (the default bridge, on --bip or the first free pool subnet), host and none. */
async function ensurePredefined(state: NetworkState, cfg: NetworkManagerConfig): Promise<void> {
  const have = (driver: string) => [...state.networks.values()].find((n) => n.predefined && n.driver === driver);
  const base = (name: string, driver: string): NetworkRecord => ({
    id: randomBytes(32).toString('hex'),
    name,
    driver,
    created: rfc3339Nano(new Date(), { local: true }),
    predefined: true,
    internal: false,
    attachable: false,
    enableIPv6: false,
    bridge: '',
    subnet: '',
    gateway: '',
    ipRange: '',
    userSubnet: false,
    subnet6: '',
    gateway6: '',
    ipam: { Driver: 'default', Options: null, Config: [] },
    options: {},
    labels: {},
  });
  for (const [name, driver] of [
    ['none', 'null'],
    ['host', 'host'],
  ] as const) {
    if (have(driver)) continue;
    const n = base(name, driver);
    await state.store.insertNetwork(n);
    state.networks.set(n.id, n);
  }

  const bridgeName = cfg.defaultBridge?.name ?? 'berth0';
  let gateway: number;
  let prefix: number;
  const existing = have('bridge');
  if (bridgeName === 'none') {
    // dockerd -b none: no default bridge network at all.
    if (existing && !state.endpointsOn(existing.id).length) {
      await state.host.deleteBridge(existing.bridge).catch(() => undefined);
      await state.store.deleteNetwork(existing.id);
      state.networks.delete(existing.id);
    }
    return;
  }
  if (cfg.defaultBridge?.bip) {
    const b = parseAddrPrefix4(cfg.defaultBridge.bip);
    if (b.prefix > 30) throw new InvalidArgumentError(`bip ${cfg.defaultBridge.bip}: the prefix is too long`);
    gateway = b.addr;
    prefix = b.prefix;
  } else if (existing && existing.bridge === bridgeName) {
    return;
  } else {
    const others = [...state.networks.values()].filter((n) => n.subnet && n !== existing).map((n) => parseCidr4(n.subnet));
    const routes = (await hostRoutes4()).filter((r) => r.iface !== bridgeName && r.iface !== existing?.bridge).map((r) => r.cidr);
    const c = pickSubnet(cfg.defaultAddressPools ?? DOCKER_DEFAULT_POOLS, [...others, ...routes]);
    if (!c) throw new InvalidArgumentError('default bridge: no free subnet in the address pools; set --bip');
    gateway = (c.base + 1) >>> 0;
    prefix = c.prefix;
  }
  const subnet = formatCidr4(parseCidr4(`${formatIPv4(gateway)}/${prefix}`));
  if (existing && existing.bridge === bridgeName && existing.subnet === subnet && existing.gateway === formatIPv4(gateway)) return;
  if (existing && state.endpointsOn(existing.id).length) {
    state.logger.warn({ bridge: bridgeName, subnet }, 'network: the default bridge changed while containers use it; keeping the old one');
    return;
  }
  for (const n of state.networks.values()) {
    if (n !== existing && n.subnet && overlaps4(parseCidr4(n.subnet), parseCidr4(subnet))) throw new InvalidArgumentError(`bip ${subnet}: overlaps network ${n.name}`);
  }
  const n: NetworkRecord = {
    ...(existing ?? base('bridge', 'bridge')),
    bridge: bridgeName,
    subnet,
    gateway: formatIPv4(gateway),
    // Docker shows the gateway of the default bridge only when --bip set it.
    ipam: { Driver: 'default', Options: null, Config: [{ Subnet: subnet, ...(cfg.defaultBridge?.bip ? { Gateway: formatIPv4(gateway) } : {}) }] },
    options: {
      'com.docker.network.bridge.default_bridge': 'true',
      'com.docker.network.bridge.enable_icc': 'true',
      'com.docker.network.bridge.enable_ip_masquerade': 'true',
      'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
      'com.docker.network.bridge.name': bridgeName,
      'com.docker.network.driver.mtu': String(DEFAULT_MTU),
    },
  };
  if (existing) {
    if (existing.bridge !== bridgeName) await state.host.deleteBridge(existing.bridge).catch(() => undefined);
    await state.store.deleteNetwork(existing.id);
  }
  await state.store.insertNetwork(n);
  state.networks.set(n.id, n);
}
