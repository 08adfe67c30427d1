import { promises as fs } from 'node:fs';
import { InvalidArgumentError, NotFoundError } from '@berth/errdefs';
import type { Logger } from '@berth/log';
import { parseGoBool } from '@berth/oci';
import { DnsServer, type DnsResolver } from './dns-server';
import { type DnsAnswer, type DnsQuestion, TYPE_A, TYPE_AAAA, TYPE_PTR } from './dns-message';
import { upstreamServers } from './container-files';
import type { Firewall } from './firewall';
import type { HostNet } from './host-net';
import { parseCidr4 } from './ipv4';
import type { NetworkEvent } from './network-manager';
import type { EndpointRecord, NetworkRecord, PortRecord, SandboxRecord } from './network-records';
import type { NetworkStore } from './network-store';
import type { PortHolder } from './port-holder';
import type { FirewallState } from './nft-rules';

export const ICC_OPT = 'com.docker.network.bridge.enable_icc';
export const MASQUERADE_OPT = 'com.docker.network.bridge.enable_ip_masquerade';

/** A bridge driver's boolean option turned off (read by Go's ParseBool, as Docker reads it). */
export function optionOff(v: string | undefined): boolean {
  return v !== undefined && parseGoBool(v) === false;
}

export const DEFAULT_MTU = 1500;
const DNS_TTL = 600;

/**
 * The network component's state, shared by the catalog and the attacher: the records (kept in
 * memory, written through to the db), the host objects, one lock for every change.
 */
export class NetworkState {
  readonly networks = new Map<string, NetworkRecord>();
  readonly sandboxes = new Map<string, SandboxRecord>();
  /** containerId -> its endpoints, in attachment order. */
  readonly endpoints = new Map<string, EndpointRecord[]>();
  readonly ports = new Map<string, PortRecord[]>();
  private readonly dns = new Map<string, DnsServer>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly store: NetworkStore,
    readonly host: HostNet,
    readonly firewall: Firewall,
    readonly portHolder: PortHolder,
    readonly logger: Logger,
    readonly stateDir: string,
    readonly hostResolvConf: string,
    private readonly emit: (e: NetworkEvent) => void,
  ) {}

  /** Runs `fn` after every change started before it (one change at a time). */
  locked<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.tail.then(fn, fn);
    this.tail = p.catch(() => undefined);
    return p;
  }

  event(action: NetworkEvent['action'], n: NetworkRecord, extra: Record<string, string> = {}): void {
    try {
      this.emit({ action, networkId: n.id, attributes: { ...extra, name: n.name, type: n.driver } });
    } catch (e) {
      this.logger.warn({ err: e }, 'network: event listener failed');
    }
  }

  /** Full id, then exact name, then a unique id prefix (Docker's order). */
  findNetwork(idOrName: string): NetworkRecord {
    const byId = this.networks.get(idOrName);
    if (byId) return byId;
    for (const n of this.networks.values()) if (n.name === idOrName) return n;
    if (idOrName) {
      const m = [...this.networks.values()].filter((n) => n.id.startsWith(idOrName));
      if (m.length === 1) return m[0]!;
      if (m.length > 1) throw new InvalidArgumentError(`network ${idOrName} is ambiguous (${m.length} matches found based on ID prefix)`);
    }
    throw new NotFoundError(`network ${idOrName} not found`);
  }

  /** The default bridge network; undefined under berthd -b none. */
  defaultBridge(): NetworkRecord | undefined {
    for (const n of this.networks.values()) if (n.predefined && n.driver === 'bridge') return n;
    return undefined;
  }

  isDefaultBridge(n: NetworkRecord): boolean {
    return n.predefined && n.driver === 'bridge';
  }

  /** Endpoints on one network, across containers. */
  endpointsOn(networkId: string): EndpointRecord[] {
    const out: EndpointRecord[] = [];
    for (const eps of this.endpoints.values()) for (const e of eps) if (e.networkId === networkId) out.push(e);
    return out;
  }

  allPorts(): PortRecord[] {
    return [...this.ports.values()].flat();
  }

  /** The endpoint that carries a container's published ports: its first non-internal network. */
  portEndpoint(containerId: string): EndpointRecord | undefined {
    return (this.endpoints.get(containerId) ?? []).find((e) => !this.networks.get(e.networkId)?.internal);
  }

  firewallState(): FirewallState {
    const networks = [...this.networks.values()]
      .filter((n) => n.driver === 'bridge' && n.bridge)
      .map((n) => ({ bridge: n.bridge, subnet: n.subnet, internal: n.internal, masquerade: !optionOff(n.options[MASQUERADE_OPT]), icc: !optionOff(n.options[ICC_OPT]) }));
    const ports: FirewallState['ports'] = [];
    for (const [cid, ps] of this.ports) {
      const ep = this.portEndpoint(cid);
      if (!ep) continue;
      for (const p of ps) {
        if (p.hostIp.includes(':')) continue; // IPv6 bindings: relayed by the held socket
        ports.push({ proto: p.proto, hostIp: p.hostIp, hostPort: p.hostPort, containerIp: ep.ipv4, containerPort: p.containerPort });
      }
    }
    return { networks, ports };
  }

  syncFirewall(): Promise<void> {
    return this.firewall.sync(this.firewallState());
  }

  /** Starts the embedded DNS server of a user-defined network (idempotent). */
  async startDns(n: NetworkRecord): Promise<void> {
    if (n.predefined || n.driver !== 'bridge' || this.dns.has(n.id)) return;
    try {
      this.dns.set(n.id, await DnsServer.start(n.gateway, this.resolverFor(n.id), this.logger));
    } catch (e) {
      this.logger.warn({ err: e, network: n.name }, 'network: the embedded DNS server could not start');
    }
  }

  stopDns(networkId: string): void {
    this.dns.get(networkId)?.close();
    this.dns.delete(networkId);
  }

  stopAllDns(): void {
    for (const id of [...this.dns.keys()]) this.stopDns(id);
  }

  private hostResolvCache: { at: number; text: string } | undefined;
  /** The host's resolv.conf text (re-read at most once a second). */
  async hostResolv(): Promise<string> {
    const now = Date.now();
    if (this.hostResolvCache && now - this.hostResolvCache.at < 1000) return this.hostResolvCache.text;
    const text = await fs.readFile(this.hostResolvConf, 'utf8').catch(() => '');
    this.hostResolvCache = { at: now, text };
    return text;
  }

  /** The container (and its endpoint) at `ip` on a network. */
  private containerAt(ip: string): string | undefined {
    for (const [cid, eps] of this.endpoints) if (eps.some((e) => e.ipv4 === ip)) return cid;
    return undefined;
  }

  /** Names one endpoint answers to on its network: container name, short id, aliases. */
  namesOf(e: EndpointRecord): string[] {
    const sb = this.sandboxes.get(e.containerId);
    const names = [e.containerId.slice(0, 12), ...e.aliases];
    if (sb) names.unshift(sb.request.name);
    return names.map((n) => n.toLowerCase());
  }

  /** The embedded DNS's view from network `networkId`. */
  resolverFor(networkId: string): DnsResolver {
    return {
      lookup: (srcIp: string, q: DnsQuestion): DnsAnswer[] | undefined => {
        void this.hostResolv();
        // A container sees the names of its own user-defined networks (the one asked first);
        // an unknown client (the host) those of the network it asked.
        const cid = this.containerAt(srcIp);
        const nets = cid ? (this.endpoints.get(cid) ?? []).map((e) => e.networkId) : [networkId];
        const userNets = nets
          .filter((id) => {
            const n = this.networks.get(id);
            return n && !n.predefined;
          })
          .sort((x, y) => (x === networkId ? -1 : y === networkId ? 1 : 0));
        if (q.type === TYPE_PTR) return this.reverse(q.name, userNets);
        const name = q.name.replace(/\.$/, '');
        for (const nid of userNets) {
          const n = this.networks.get(nid);
          if (!n) continue;
          let bare = name;
          if (name.endsWith(`.${n.name.toLowerCase()}`)) bare = name.slice(0, -n.name.length - 1);
          // Per-container links on a user network: 'target:alias' resolves alias to target.
          if (cid) {
            const own = (this.endpoints.get(cid) ?? []).find((e) => e.networkId === nid);
            for (const l of own?.links ?? []) {
              const [target, alias = target] = l.split(':');
              if (alias!.toLowerCase() === bare) bare = target!.replace(/^\//, '').toLowerCase();
            }
          }
          const hits = this.endpointsOn(nid).filter((e) => this.namesOf(e).includes(bare));
          if (!hits.length) continue;
          if (q.type === TYPE_A) return hits.map((e) => ({ type: TYPE_A, ttl: DNS_TTL, data: e.ipv4 }));
          if (q.type === TYPE_AAAA) return hits.filter((e) => e.ipv6).map((e) => ({ type: TYPE_AAAA, ttl: DNS_TTL, data: e.ipv6 }));
          return [];
        }
        return undefined;
      },
      upstreams: (srcIp: string): string[] => {
        const n = this.networks.get(networkId);
        if (n?.internal) return [];
        const cid = this.containerAt(srcIp);
        const dns = cid ? this.sandboxes.get(cid)?.request.dns : undefined;
        return upstreamServers(this.hostResolvCache?.text ?? '', dns);
      },
    };
  }

  private reverse(qname: string, nets: string[]): DnsAnswer[] | undefined {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\.in-addr\.arpa$/.exec(qname);
    if (!m) return undefined;
    const ip = `${m[4]}.${m[3]}.${m[2]}.${m[1]}`;
    for (const nid of nets) {
      const n = this.networks.get(nid)!;
      const e = this.endpointsOn(nid).find((x) => x.ipv4 === ip);
      const sb = e && this.sandboxes.get(e.containerId);
      if (sb) return [{ type: TYPE_PTR, ttl: DNS_TTL, data: `${sb.request.name}.${n.name}` }];
    }
    return undefined;
  }

  prefixOf(n: NetworkRecord): number {
    return parseCidr4(n.subnet).prefix;
  }
}
