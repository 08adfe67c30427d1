import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FailedPreconditionError, ForbiddenError, InternalError, InvalidArgumentError, NotFoundError } from '@berth/errdefs';
import { hostsFile, resolvConf } from './container-files';
import { isMounted } from './ip-host-net';
import { allocateIPv4 } from './ipam';
import { isIPv4, isMac, macForIPv4, parseCidr4, parseIPv4 } from './ipv4';
import { allocateIPv6, formatIPv6, parseCidr6, parseIPv6 } from './ipv6';
import type { ContainerNetworkRequest, ContainerNetworkSetup, EndpointRequest, NetworkAttacher } from './network-attacher';
import type { EndpointRecord, NetworkRecord, PortRecord, SandboxRecord } from './network-records';
import { DEFAULT_MTU, type NetworkState } from './network-state';
import type { AttachedEndpoint, Attachment } from './network-types';
import { portKeys, wantedPorts, type WantedPort } from './port-bindings';
import { netnsDir } from './netns-dir';

type Undo = () => Promise<unknown> | void;

const SWEEP_DELAY_MS = 1000;

/** The container lifecycle over bridge networks. */
export class BridgeAttacher implements NetworkAttacher {
  /** containerId -> hosts and resolv.conf as last computed. */
  private readonly files = new Map<string, { hosts: string; resolvConf: string }>();

  constructor(private readonly s: NetworkState) {}

  netnsPathOf(containerId: string): string {
    return path.join(netnsDir(this.s.stateDir), containerId);
  }

  attach(req: ContainerNetworkRequest): Promise<ContainerNetworkSetup> {
    return this.s.locked(async () => {
      if (this.s.sandboxes.has(req.containerId)) return this.setupOrThrow(req.containerId);
      if (!req.endpoints.length) throw new InvalidArgumentError(`container ${req.name}: no network to attach to`);
      const nets = req.endpoints.map((ep) => this.bridgeNetwork(ep.network));
      if (new Set(nets.map((n) => n.id)).size !== nets.length) throw new InvalidArgumentError(`container ${req.name}: a network is given twice`);
      req.endpoints.forEach((ep, i) => this.validateEndpoint(ep, nets[i]!));

      const netnsPath = this.netnsPathOf(req.containerId);
      const eps: EndpointRecord[] = [];
      const picked = new Map<string, Set<number | bigint>>();
      req.endpoints.forEach((ep, i) => eps.push(this.newEndpoint(req.containerId, ep, nets[i]!, `eth${i}`, i, picked)));
      const gatewayEp = eps.find((e) => !this.s.networks.get(e.networkId)!.internal);

      const undo: Undo[] = [];
      try {
        const ports = gatewayEp ? await this.holdPorts(req, gatewayEp) : [];
        undo.push(() => ports.forEach((p) => this.s.portHolder.release(p.proto, p.hostIp, p.hostPort)));
        const sb: SandboxRecord = { containerId: req.containerId, netnsPath, request: cloneRequest(req), created: new Date().toISOString() };
        this.s.sandboxes.set(req.containerId, sb);
        this.s.endpoints.set(req.containerId, eps);
        if (ports.length) this.s.ports.set(req.containerId, ports);
        undo.push(() => {
          this.s.sandboxes.delete(req.containerId);
          this.s.endpoints.delete(req.containerId);
          this.s.ports.delete(req.containerId);
          if (ports.length) return this.s.syncFirewall();
        });
        // independent of each other: the kernel side (netns, veths), the rows and the port
        // rules all at once (the first runs on the thread pool, the others wait on I/O)
        const plumb = async () => {
          await this.s.host.createNetns(netnsPath);
          undo.push(() => this.s.host.deleteNetns(netnsPath));
          for (const e of eps) {
            const n = this.s.networks.get(e.networkId)!;
            undo.push(() => this.s.host.deleteLink(e.hostVeth));
            await this.s.host.addVeth({
              netnsPath,
              bridge: n.bridge,
              hostName: e.hostVeth,
              ifname: e.ifname,
              mac: e.mac,
              address: `${e.ipv4}/${this.s.prefixOf(n)}`,
              gateway: e === gatewayEp ? n.gateway : undefined,
              ...v6Of(e, n, e === gatewayEp),
              mtu: mtuOf(n),
            });
          }
        };
        const row = async () => {
          await this.s.store.insertSandbox(sb, eps, ports);
          undo.push(() => this.s.store.deleteSandbox(req.containerId));
        };
        const steps = await Promise.allSettled([plumb(), row(), ports.length ? this.s.syncFirewall() : undefined]);
        const failed = steps.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
        await this.refreshFiles(req.containerId);
      } catch (e) {
        for (const u of undo.reverse()) await Promise.resolve(u()).catch((err) => this.s.logger.warn({ err }, 'network: undo of a failed attach failed'));
        throw e;
      }
      for (const e of eps) this.s.event('connect', this.s.networks.get(e.networkId)!, { container: req.containerId });
      return this.setupOrThrow(req.containerId);
    });
  }

  detach(containerId: string): Promise<void> {
    return this.s.locked(() => this.teardown(containerId, true));
  }

  connect(containerId: string, ep: EndpointRequest): Promise<ContainerNetworkSetup> {
    return this.s.locked(async () => {
      const sb = this.s.sandboxes.get(containerId);
      if (!sb) throw new FailedPreconditionError(`container ${containerId}: not attached to any network (not running)`);
      const n = this.bridgeNetwork(ep.network);
      const current = this.s.endpoints.get(containerId) ?? [];
      if (current.some((e) => e.networkId === n.id)) throw new ForbiddenError(`endpoint with name ${sb.request.name} already exists in network ${n.name}`);
      this.validateEndpoint(ep, n);
      const used = new Set(current.map((e) => Number(e.ifname.slice(3))));
      let idx = 0;
      while (used.has(idx)) idx++;
      const seq = Math.max(-1, ...current.map((e) => e.seq)) + 1;
      const e = this.newEndpoint(containerId, ep, n, `eth${idx}`, seq, new Map());
      const hadGateway = current.some((x) => !this.s.networks.get(x.networkId)!.internal);
      const carriesGateway = !hadGateway && !n.internal;
      try {
        await this.s.host.addVeth({
          netnsPath: sb.netnsPath,
          bridge: n.bridge,
          hostName: e.hostVeth,
          ifname: e.ifname,
          mac: e.mac,
          address: `${e.ipv4}/${this.s.prefixOf(n)}`,
          gateway: carriesGateway ? n.gateway : undefined,
          ...v6Of(e, n, carriesGateway),
          mtu: mtuOf(n),
        });
        await this.s.store.insertEndpoint(e);
      } catch (err) {
        await this.s.host.deleteLink(e.hostVeth).catch(() => undefined);
        throw err;
      }
      this.s.endpoints.set(containerId, [...current, e]);
      sb.request.endpoints = [...sb.request.endpoints.filter((x) => x.network !== ep.network), { ...ep }];
      await this.s.store.updateSandboxRequest(sb);
      if (carriesGateway && this.s.ports.has(containerId)) await this.s.syncFirewall();
      await this.refreshFiles(containerId);
      this.s.event('connect', n, { container: containerId });
      return this.setupOrThrow(containerId);
    });
  }

  disconnect(containerRef: string, network: string, opts: { force?: boolean } = {}): Promise<ContainerNetworkSetup> {
    return this.s.locked(async () => {
      let sb = this.s.sandboxes.get(containerRef);
      // -f: a container the daemon no longer knows, by name or id prefix (a stale endpoint).
      if (!sb && opts.force) sb = [...this.s.sandboxes.values()].find((x) => x.request.name === containerRef.replace(/^\//, '') || x.containerId.startsWith(containerRef));
      if (!sb && opts.force) throw new NotFoundError(`container ${containerRef} is not attached to any network`);
      if (!sb) throw new FailedPreconditionError(`container ${containerRef}: not attached to any network (not running)`);
      const containerId = sb.containerId;
      const n = this.s.findNetwork(network);
      const current = this.s.endpoints.get(containerId) ?? [];
      const e = current.find((x) => x.networkId === n.id);
      if (!e) throw new FailedPreconditionError(`container ${containerId} is not connected to network ${n.name}`);
      const before = this.s.portEndpoint(containerId);
      await this.s.host.deleteLinkIn(sb.netnsPath, e.ifname);
      await this.s.host.deleteLink(e.hostVeth);
      await this.s.store.deleteEndpoint(e.id);
      this.s.endpoints.set(
        containerId,
        current.filter((x) => x !== e),
      );
      sb.request.endpoints = sb.request.endpoints.filter((x) => {
        try {
          return this.s.findNetwork(x.network).id !== n.id;
        } catch {
          return false;
        }
      });
      await this.s.store.updateSandboxRequest(sb);
      if (before === e) {
        const next = this.s.portEndpoint(containerId);
        await this.s.host.setDefaultRoute(sb.netnsPath, next ? this.s.networks.get(next.networkId)!.gateway : undefined);
        if (this.s.ports.has(containerId)) await this.s.syncFirewall();
      }
      await this.refreshFiles(containerId);
      this.s.event('disconnect', n, { container: containerId });
      return this.setupOrThrow(containerId);
    });
  }

  attachment(containerId: string): Attachment | undefined {
    const sb = this.s.sandboxes.get(containerId);
    if (!sb) return undefined;
    const endpoints: AttachedEndpoint[] = (this.s.endpoints.get(containerId) ?? []).map((e) => {
      const n = this.s.networks.get(e.networkId)!;
      return {
        network: n.name,
        networkId: n.id,
        endpointId: e.id,
        defaultBridge: this.s.isDefaultBridge(n),
        gateway: n.gateway,
        ipv4: e.ipv4,
        prefixLen: this.s.prefixOf(n),
        ipv6Gateway: e.ipv6 ? n.gateway6 : '',
        ipv6: e.ipv6,
        ipv6PrefixLen: e.ipv6 ? Number(n.subnet6.split('/')[1]) : 0,
        mac: e.mac,
        aliases: n.predefined ? null : [...e.aliases, containerId.slice(0, 12)],
        links: [...e.links],
        requested: e.ipamConfig ? { ...(e.ipamConfig.IPv4Address ? { ipv4: e.ipamConfig.IPv4Address } : {}), ...(e.ipamConfig.IPv6Address ? { ipv6: e.ipamConfig.IPv6Address } : {}) } : null,
      };
    });
    const req = sb.request;
    const records = this.s.ports.get(containerId) ?? [];
    const keys = portKeys(req.portBindings, req.exposedPorts ?? []);
    for (const p of records) if (!keys.includes(`${p.containerPort}/${p.proto}`)) keys.push(`${p.containerPort}/${p.proto}`);
    const ports = keys.map((key) => ({ key, bindings: records.filter((p) => `${p.containerPort}/${p.proto}` === key).map((p) => ({ hostIp: p.hostIp, hostPort: p.hostPort })) }));
    return { sandboxId: createHash('sha256').update(sb.netnsPath).digest('hex'), sandboxKey: sb.netnsPath, endpoints, ports };
  }

  setup(containerId: string): ContainerNetworkSetup | undefined {
    const sb = this.s.sandboxes.get(containerId);
    const attachment = this.attachment(containerId);
    const files = this.files.get(containerId);
    if (!sb || !attachment || !files) return undefined;
    return { netnsPath: sb.netnsPath, hosts: files.hosts, resolvConf: files.resolvConf, attachment };
  }

  restore(running: ContainerNetworkRequest[]): Promise<void> {
    return this.s.locked(async () => {
      const keep = new Map(running.map((r) => [r.containerId, r]));
      let reclaimed = 0;
      for (const sb of [...this.s.sandboxes.values()]) {
        if (keep.has(sb.containerId) && (await isMounted(sb.netnsPath))) {
          for (const p of this.s.ports.get(sb.containerId) ?? []) {
            const ep = this.s.portEndpoint(sb.containerId);
            await this.s.portHolder
              .hold(p.proto, p.hostIp, p.hostPort, { ip: ep?.ipv4 ?? '127.0.0.1', port: p.containerPort })
              .catch((err) => this.s.logger.warn({ err, port: p }, 'network: a published port could not be held again'));
          }
          await this.refreshFiles(sb.containerId);
        } else {
          reclaimed++;
          await this.teardown(sb.containerId, false).catch((err) => this.s.logger.warn({ err, container: sb.containerId }, 'network: reclaiming a sandbox failed'));
        }
      }
      const dir = netnsDir(this.s.stateDir);
      for (const f of await fs.readdir(dir).catch(() => [] as string[])) {
        if (this.s.sandboxes.has(f)) continue;
        reclaimed++;
        await this.s.host.deleteNetns(path.join(dir, f)).catch((err) => this.s.logger.warn({ err, file: f }, 'network: removing a stale netns failed'));
      }
      // Rewrite the table from the records: rules of containers that died with berthd go.
      if (reclaimed || this.s.firewallState().networks.length) {
        this.s.firewall.reset();
        await this.s.syncFirewall();
      }
    });
  }

  /** Everything of one container gone: ports, netns (with its interfaces), veths, rows. */
  private async teardown(containerId: string, events: boolean): Promise<void> {
    const sb = this.s.sandboxes.get(containerId);
    if (!sb) return;
    const eps = this.s.endpoints.get(containerId) ?? [];
    const ports = this.s.ports.get(containerId) ?? [];
    for (const p of ports) this.s.portHolder.release(p.proto, p.hostIp, p.hostPort);
    await this.s.host.deleteNetns(sb.netnsPath);
    // The kernel removes the veth pair with the namespace, asynchronously (10-40 ms; deleting
    // it here would block for as long). Whatever is still there a moment later is deleted then.
    this.sweep(eps.map((e) => e.hostVeth));
    await this.s.store.deleteSandbox(containerId);
    this.s.sandboxes.delete(containerId);
    this.s.endpoints.delete(containerId);
    this.s.ports.delete(containerId);
    this.files.delete(containerId);
    // Deleting map elements waits for the kernel (an RCU grace period, 10-20 ms): the stop does
    // not wait for it; the next change queues behind it, close() waits for all.
    if (ports.length) void this.s.syncFirewall().catch((err) => this.s.logger.warn({ err, container: containerId }, 'network: removing port rules failed'));
    if (events) for (const e of eps) {
      const n = this.s.networks.get(e.networkId);
      if (n) this.s.event('disconnect', n, { container: containerId });
    }
  }

  /** Deletes, a little later, those of `veths` the kernel has not removed with their namespace. */
  private sweep(veths: string[]): void {
    if (!veths.length) return;
    const t = setTimeout(() => {
      void this.s
        .locked(async () => {
          const links = await this.s.host.links();
          for (const v of veths) if (links.includes(v)) await this.s.host.deleteLink(v);
        })
        .catch((err) => this.s.logger.warn({ err, veths }, 'network: removing leftover veths failed'));
    }, SWEEP_DELAY_MS);
    t.unref();
  }

  private setupOrThrow(containerId: string): ContainerNetworkSetup {
    const s = this.setup(containerId);
    if (!s) throw new InternalError(`container ${containerId}: network setup missing`);
    return s;
  }

  private bridgeNetwork(idOrName: string): NetworkRecord {
    const n = this.s.findNetwork(idOrName);
    if (n.driver !== 'bridge') throw new InvalidArgumentError(`network ${n.name}: only bridge networks can be attached by the network component (${n.driver} is the daemon's)`);
    return n;
  }

  private validateEndpoint(ep: EndpointRequest, n: NetworkRecord): void {
    const userDefined = !n.predefined;
    if (ep.aliases?.length && !userDefined) throw new InvalidArgumentError('network-scoped alias is supported only for containers in user defined networks');
    if (ep.ipv4Address || ep.ipv6Address) {
      if (!userDefined) throw new InvalidArgumentError('user specified IP address is supported on user defined networks only');
      if (!n.userSubnet) throw new InvalidArgumentError('user specified IP address is supported only when connecting to networks with user configured subnets');
      if (ep.ipv4Address && !isIPv4(ep.ipv4Address)) throw new InvalidArgumentError(`invalid IPv4 address: ${ep.ipv4Address}`);
      if (ep.ipv6Address && !n.subnet6) throw new InvalidArgumentError('user specified IP address is supported only when connecting to networks with user configured subnets');
    }
    if (ep.macAddress && !isMac(ep.macAddress)) throw new InvalidArgumentError(`invalid MAC address: ${ep.macAddress}`);
  }

  private newEndpoint(containerId: string, ep: EndpointRequest, n: NetworkRecord, ifname: string, seq: number, picked: Map<string, Set<number | bigint>>): EndpointRecord {
    const used = new Set(this.s.endpointsOn(n.id).map((e) => parseIPv4(e.ipv4)));
    for (const a of picked.get(n.id) ?? []) used.add(Number(a));
    const addr = allocateIPv4({ subnet: parseCidr4(n.subnet), range: n.ipRange ? parseCidr4(n.ipRange) : undefined, gateway: parseIPv4(n.gateway) }, used, ep.ipv4Address);
    if (!picked.has(n.id)) picked.set(n.id, new Set());
    picked.get(n.id)!.add(addr);
    const ipv4 = [addr >>> 24, (addr >>> 16) & 255, (addr >>> 8) & 255, addr & 255].join('.');
    let ipv6 = '';
    if (n.subnet6) {
      const key = `${n.id}/6`;
      const used6 = new Set(this.s.endpointsOn(n.id).filter((e) => e.ipv6).map((e) => parseIPv6(e.ipv6)));
      for (const a of picked.get(key) ?? []) used6.add(BigInt(a));
      const a6 = allocateIPv6(parseCidr6(n.subnet6), parseIPv6(n.gateway6), used6, ep.ipv6Address);
      picked.set(key, new Set([...(picked.get(key) ?? []), a6]));
      ipv6 = formatIPv6(a6);
    }
    const ipamConfig = ep.ipv4Address || ep.ipv6Address ? { ...(ep.ipv4Address ? { IPv4Address: ep.ipv4Address } : {}), ...(ep.ipv6Address ? { IPv6Address: ep.ipv6Address } : {}) } : null;
    return {
      id: randomBytes(32).toString('hex'),
      networkId: n.id,
      containerId,
      ifname,
      hostVeth: `veth${randomBytes(4).toString('hex').slice(0, 7)}`,
      ipv4,
      ipv6,
      mac: (ep.macAddress ?? macForIPv4(addr)).toLowerCase(),
      aliases: [...new Set(ep.aliases ?? [])],
      links: [...(ep.links ?? [])],
      ipamConfig,
      seq,
    };
  }

  /** Binds every wanted port (nothing held on failure), in Docker's words when one is taken. */
  private async holdPorts(req: ContainerNetworkRequest, ep: EndpointRecord): Promise<PortRecord[]> {
    const wanted = wantedPorts(req.portBindings, !!req.publishAllPorts, req.exposedPorts ?? []);
    if (!wanted.length) return [];
    const v6 = ipv6Available();
    const held: PortRecord[] = [];
    const target = (w: WantedPort) => ({ ip: ep.ipv4, port: w.containerPort });
    const ours = this.s.allPorts();
    const takenBy = (proto: string, ip: string, port: number) =>
      [...ours, ...held].some((p) => p.proto === proto && p.hostPort === port && (p.hostIp === ip || isAny(p.hostIp) || isAny(ip)));
    try {
      for (const w of wanted) {
        const ips = w.hostIp === '' ? (v6 ? ['0.0.0.0', '::'] : ['0.0.0.0']) : [w.hostIp];
        if (w.hostPorts[0] === 0) {
          const port = await this.s.portHolder.holdFree(w.proto, ips, target(w), (p) => ips.some((ip) => takenBy(w.proto, ip, p))).catch(() => {
            throw new InternalError(`driver failed programming external connectivity on endpoint ${req.name} (${ep.id}): no free host port`);
          });
          for (const ip of ips) held.push({ containerId: req.containerId, proto: w.proto, containerPort: w.containerPort, hostIp: ip, hostPort: port });
          continue;
        }
        let lastErr: unknown;
        let done = false;
        for (let port = w.hostPorts[0]; port <= w.hostPorts[1] && !done; port++) {
          const got: string[] = [];
          try {
            for (const ip of ips) {
              if (takenBy(w.proto, ip, port)) throw Object.assign(new Error('allocated'), { code: 'BERTH_ALLOCATED', ip });
              await this.s.portHolder.hold(w.proto, ip, port, target(w)).catch((e) => {
                throw Object.assign(e, { ip });
              });
              got.push(ip);
            }
            for (const ip of ips) held.push({ containerId: req.containerId, proto: w.proto, containerPort: w.containerPort, hostIp: ip, hostPort: port });
            done = true;
          } catch (e) {
            for (const ip of got) this.s.portHolder.release(w.proto, ip, port);
            lastErr = Object.assign(e as object, { port });
          }
        }
        if (!done) throw portError(req.name, ep.id, w.proto, lastErr);
      }
    } catch (e) {
      for (const p of held) this.s.portHolder.release(p.proto, p.hostIp, p.hostPort);
      throw e;
    }
    return held;
  }

  private async refreshFiles(containerId: string): Promise<void> {
    const sb = this.s.sandboxes.get(containerId);
    if (!sb) return;
    const req = sb.request;
    const eps = this.s.endpoints.get(containerId) ?? [];
    const bridge = this.s.defaultBridge();
    const extraHosts = (req.extraHosts ?? []).map((h) => {
      const i = h.lastIndexOf(':');
      if (i <= 0) throw new InvalidArgumentError(`invalid IP address in add-host: "${h}"`);
      // IPv6 addresses hold colons: split at the first colon after the name.
      const k = h.indexOf(':');
      const ip = h.slice(k + 1);
      if (ip !== 'host-gateway') return h;
      if (!bridge) throw new InvalidArgumentError(`add-host "${h}": unable to derive the IP value for host-gateway (no default bridge)`);
      return `${h.slice(0, k)}:${bridge.gateway}`;
    });
    const links = (req.links ?? []).flatMap((l) => {
      const target = (this.s.endpoints.get(l.containerId) ?? []).find((e) => e.networkId === bridge?.id) ?? this.s.endpoints.get(l.containerId)?.[0];
      return target ? [{ ip: target.ipv4, alias: l.alias, containerId: l.containerId, name: l.name }] : [];
    });
    const hosts = hostsFile({ hostname: req.hostname, domainname: req.domainname, address: eps[0]?.ipv4 ?? '', extraHosts, links });
    const userEp = eps.find((e) => !this.s.networks.get(e.networkId)!.predefined);
    const rc = resolvConf({
      host: await this.s.hostResolv(),
      embedded: userEp ? this.s.networks.get(userEp.networkId)!.gateway : undefined,
      dns: req.dns,
      dnsSearch: req.dnsSearch,
      dnsOptions: req.dnsOptions,
    });
    this.files.set(containerId, { hosts, resolvConf: rc });
  }
}

/** The IPv6 part of a veth: address and, on the interface with the default route, the IPv6 gateway. */
function v6Of(e: EndpointRecord, n: NetworkRecord, gateway: boolean): { address6?: string; gateway6?: string } {
  if (!e.ipv6) return {};
  return { address6: `${e.ipv6}/${n.subnet6.split('/')[1]}`, ...(gateway ? { gateway6: n.gateway6 } : {}) };
}

function isAny(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::' || ip === '';
}

function mtuOf(n: NetworkRecord): number {
  const m = Number(n.options['com.docker.network.driver.mtu']);
  return Number.isInteger(m) && m > 0 ? m : DEFAULT_MTU;
}

function cloneRequest(r: ContainerNetworkRequest): ContainerNetworkRequest {
  return JSON.parse(JSON.stringify(r));
}

/** Whether the namespace has IPv6 (a procfs read of a few bytes: synchronous, no thread-pool round trips). */
function ipv6Available(): boolean {
  try {
    return readFileSync('/proc/net/if_inet6', 'utf8').trim().length > 0;
  } catch {
    return false;
  }
}

function portError(name: string, epId: string, proto: string, e: unknown): Error {
  const err = e as { code?: string; ip?: string; port?: number; message?: string };
  const ip = err.ip ?? '0.0.0.0';
  const hostPort = `${ip.includes(':') ? `[${ip}]` : ip}:${err.port}`;
  const prefix = `driver failed programming external connectivity on endpoint ${name} (${epId})`;
  if (err.code === 'BERTH_ALLOCATED') return new InternalError(`${prefix}: Bind for ${hostPort} failed: port is already allocated`);
  const fam = ip.includes(':') ? '6' : '4';
  if (err.code === 'EADDRINUSE') return new InternalError(`${prefix}: Error starting userland proxy: listen ${proto}${fam} ${hostPort}: bind: address already in use`);
  if (err.code === 'EADDRNOTAVAIL') return new InternalError(`${prefix}: Error starting userland proxy: listen ${proto}${fam} ${hostPort}: bind: cannot assign requested address`);
  return new InternalError(`${prefix}: ${err.message ?? String(e)}`);
}
