import { promises as fs } from 'node:fs';
import type { EndpointSettings, NetworkSettings, Port, PortMap } from '@berth/api';
import { ConflictError, ForbiddenError, InvalidArgumentError, NotFoundError, messageOf } from '@berth/errdefs';
import type { Attachment, ContainerNetworkRequest, EndpointRequest, PortBindingsRequest } from '@berth/network';
import { containerFilePaths } from '@berth/runtime';
import type { ContainerContext } from './container-context';
import type { Entry } from './container-entry';
import type { ContainerRecord } from './container-record';
import { endpointConfig, endpointsOf, joinedContainer, networkModeOf, checkEndpoint, type StoredNetworking } from './network-mode';

/** What a start needs from networking: namespaces to join, and the files when the daemon made them. */
export interface StartNetworking {
  namespacePaths: { network?: string; ipc?: string; pid?: string };
  hostNamespaces: ('pid' | 'ipc' | 'uts')[];
  /** The spec's hostname when it is not the container's own (`--network container:X`: X's). */
  hostname?: string;
  /** hosts and resolv.conf content to write before the task starts. */
  files?: { hosts: string; resolvConf: string };
  /** True when the network component attached the container (detach after the exit). */
  attached: boolean;
}

/** A link as HostConfig.Links stores it (docker's form): `/child:/parent/alias`. */
export function parseStoredLink(l: string): { child: string; alias: string } {
  const i = l.indexOf(':');
  const child = (i < 0 ? l : l.slice(0, i)).replace(/^\//, '');
  const alias = i < 0 ? child : l.slice(i + 1).split('/').pop() || child;
  return { child, alias };
}

function emptyEndpoint(over: EndpointSettings = {}): EndpointSettings {
  return {
    IPAMConfig: over.IPAMConfig ?? null,
    Links: over.Links ?? null,
    Aliases: over.Aliases ?? null,
    NetworkID: over.NetworkID ?? '',
    EndpointID: '',
    Gateway: '',
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    MacAddress: '',
    DriverOpts: over.DriverOpts ?? null,
  };
}

/** Docker's NetworkSettings with nothing attached (a stopped container, host, none, container:X). */
export function emptyNetworkSettings(networks: Record<string, EndpointSettings>): NetworkSettings {
  return {
    Bridge: '',
    SandboxID: '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: {},
    SandboxKey: '',
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: '',
    Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    MacAddress: '',
    Networks: networks,
  };
}

/** Docker's NetworkSettings of an attached container (@berth/network's attachment). */
export function networkSettingsOf(a: Attachment): NetworkSettings {
  const networks: Record<string, EndpointSettings> = {};
  let top: EndpointSettings | undefined;
  for (const e of a.endpoints) {
    const es: EndpointSettings = {
      IPAMConfig: e.requested ? { ...(e.requested.ipv4 ? { IPv4Address: e.requested.ipv4 } : {}), ...(e.requested.ipv6 ? { IPv6Address: e.requested.ipv6 } : {}) } : null,
      Links: e.links.length ? [...e.links] : null,
      Aliases: e.aliases ? [...e.aliases] : null,
      NetworkID: e.networkId,
      EndpointID: e.endpointId,
      Gateway: e.gateway,
      IPAddress: e.ipv4,
      IPPrefixLen: e.prefixLen,
      IPv6Gateway: e.ipv6Gateway,
      GlobalIPv6Address: e.ipv6,
      GlobalIPv6PrefixLen: e.ipv6PrefixLen,
      MacAddress: e.mac,
      DriverOpts: null,
    };
    Object.defineProperty(networks, e.network, { value: es, enumerable: true, writable: true, configurable: true }); // (a network may be named `__proto__`)
    if (e.defaultBridge) top = es;
  }
  const ports: PortMap = {};
  for (const p of a.ports) ports[p.key] = p.bindings.length ? p.bindings.map((b) => ({ HostIp: b.hostIp, HostPort: String(b.hostPort) })) : null;
  return {
    ...emptyNetworkSettings(networks),
    SandboxID: a.sandboxId,
    Ports: ports,
    SandboxKey: a.sandboxKey,
    EndpointID: top?.EndpointID ?? '',
    Gateway: top?.Gateway ?? '',
    GlobalIPv6Address: top?.GlobalIPv6Address ?? '',
    GlobalIPv6PrefixLen: top?.GlobalIPv6PrefixLen ?? 0,
    IPAddress: top?.IPAddress ?? '',
    IPPrefixLen: top?.IPPrefixLen ?? 0,
    IPv6Gateway: top?.IPv6Gateway ?? '',
    MacAddress: top?.MacAddress ?? '',
  };
}

/** `GET /containers/json`'s Ports from a PortMap (moby daemon/list.go). */
export function portsOf(map: PortMap | undefined): Port[] {
  const out: Port[] = [];
  for (const [k, bindings] of Object.entries(map ?? {})) {
    const [p, proto = 'tcp'] = k.split('/');
    const priv = Number(p);
    if (!bindings || bindings.length === 0) {
      out.push({ PrivatePort: priv, Type: proto });
      continue;
    }
    for (const b of bindings) out.push({ IP: b.HostIp ?? '', PrivatePort: priv, PublicPort: Number(b.HostPort), Type: proto });
  }
  return out;
}

function toEndpointRequest(network: string, cfg: EndpointSettings): EndpointRequest {
  const ipam = (cfg.IPAMConfig ?? {}) as { IPv4Address?: string; IPv6Address?: string };
  const ep: EndpointRequest = { network };
  if (cfg.Aliases?.length) ep.aliases = [...cfg.Aliases];
  if (ipam.IPv4Address) ep.ipv4Address = ipam.IPv4Address;
  if (ipam.IPv6Address) ep.ipv6Address = ipam.IPv6Address;
  if (cfg.MacAddress) ep.macAddress = cfg.MacAddress;
  if (cfg.Links?.length) ep.links = [...cfg.Links];
  return ep;
}

/**
 * A container's networking through its life, Docker's network-mode policy: which networks it
 * joins at start (the network component wires bridge networks; host, none and `container:X`
 * are decided here), detach after the exit, connect/disconnect on created and running
 * containers, what inspect and ps show, and the running ones the component keeps after a
 * daemon restart.
 */
export class ContainerNetworking {
  constructor(private readonly ctx: ContainerContext) {}

  /** The network component's request for a container (bridge modes with a component only). */
  requestOf(rec: ContainerRecord): ContainerNetworkRequest | undefined {
    const mode = networkModeOf(rec.hostConfig.NetworkMode);
    if (!this.ctx.deps.networks || mode.kind !== 'bridge') return undefined;
    const eps = endpointsOf(rec);
    const isBridge = (n: string): boolean => n === 'bridge' || n === 'default';
    // dockerd -b none: the default bridge's endpoint is NetworkDisabled
    const names = Object.keys(eps).filter((n) => this.ctx.deps.networks!.defaultBridge || !isBridge(n));
    if (names.length === 0) return undefined;
    const h = rec.hostConfig;
    const links: ContainerNetworkRequest['links'] = [];
    const userLinks: string[] = [];
    for (const l of h.Links ?? []) {
      const { child, alias } = parseStoredLink(l);
      const c = this.ctx.lookup(child);
      if (c) links.push({ name: c.rec.name.replace(/^\//, ''), alias, containerId: c.rec.id });
      userLinks.push(`${child}:${alias}`);
    }
    const endpoints = names.map((n) => {
      const ep = toEndpointRequest(n, eps[n]!);
      // --link on a user-defined network: an alias of the linked container on that network
      if (n === mode.network && mode.network !== 'bridge' && userLinks.length) ep.links = [...(ep.links ?? []), ...userLinks];
      return ep;
    });
    const req: ContainerNetworkRequest = {
      containerId: rec.id,
      name: rec.name.replace(/^\//, ''),
      hostname: rec.config.Hostname || rec.id.slice(0, 12),
      endpoints,
    };
    if (rec.config.Domainname) req.domainname = rec.config.Domainname;
    if (h.PortBindings && Object.keys(h.PortBindings).length) req.portBindings = h.PortBindings as PortBindingsRequest;
    if (h.PublishAllPorts) req.publishAllPorts = true;
    const exposed = Object.keys(rec.config.ExposedPorts ?? {});
    if (exposed.length) req.exposedPorts = exposed;
    if (h.Dns?.length) req.dns = [...h.Dns];
    if (h.DnsSearch?.length) req.dnsSearch = [...h.DnsSearch];
    if (h.DnsOptions?.length) req.dnsOptions = [...h.DnsOptions];
    if (h.ExtraHosts?.length) req.extraHosts = [...h.ExtraHosts];
    if (links.length && isBridge(mode.network)) req.links = links;
    return req;
  }

  /** A running container another one joins (`container:X` of NetworkMode, IpcMode, PidMode): docker's checks. */
  private donor(e: Entry, ref: string, what: 'network' | 'IPC' | 'PID'): Entry {
    const d = this.ctx.mustGet(ref);
    if (d === e) throw new InvalidArgumentError(what === 'network' ? 'cannot join own network' : `cannot join own ${what} namespace`);
    if (d.rec.state.status === 'restarting') throw new ConflictError(`Container ${d.rec.id} is restarting, wait until the container is running`);
    if (!d.task || (d.rec.state.status !== 'running' && d.rec.state.status !== 'paused') || !d.rec.state.pid) {
      throw new ConflictError(`cannot join ${what} of a non running container: ${ref}`);
    }
    return d;
  }

  /** Before the task starts: namespaces to join, attach to bridge networks, the files to write. */
  async prepare(e: Entry): Promise<StartNetworking> {
    const rec = e.rec;
    const h = rec.hostConfig;
    const out: StartNetworking = { namespacePaths: {}, hostNamespaces: [], attached: false };
    if (h.PidMode === 'host') out.hostNamespaces.push('pid');
    if (h.IpcMode === 'host') out.hostNamespaces.push('ipc');
    if (h.UTSMode === 'host') out.hostNamespaces.push('uts');
    const ipcRef = joinedContainer(h.IpcMode);
    if (ipcRef) {
      const d = this.donor(e, ipcRef, 'IPC');
      if (d.rec.hostConfig.IpcMode !== 'shareable' && d.rec.hostConfig.IpcMode !== 'host') {
        throw new InvalidArgumentError('non-shareable IPC (hint: use IpcMode:shareable for the donor container)');
      }
      if (d.rec.hostConfig.IpcMode === 'host') out.hostNamespaces.push('ipc');
      else out.namespacePaths.ipc = `/proc/${d.rec.state.pid}/ns/ipc`;
    }
    const pidRef = joinedContainer(h.PidMode);
    if (pidRef) out.namespacePaths.pid = `/proc/${this.donor(e, pidRef, 'PID').rec.state.pid}/ns/pid`;
    const mode = networkModeOf(h.NetworkMode);
    if (mode.kind === 'container') {
      const d = this.donor(e, mode.ref, 'network');
      out.namespacePaths.network = `/proc/${d.rec.state.pid}/ns/net`;
      // docker: the joiner uses the donor's hostname, hosts and resolv.conf
      const files = containerFilePaths(this.ctx.layout.containerDir(d.rec.id));
      const [hosts, resolvConf] = await Promise.all([fs.readFile(files.hosts, 'utf8'), fs.readFile(files.resolvConf, 'utf8')]);
      out.files = { hosts, resolvConf };
      out.hostname = d.rec.config.Hostname || d.rec.id.slice(0, 12);
      // docker (initializeNetworking) also takes them into the joiner's Config, kept after the run
      if (rec.config.Hostname !== out.hostname || (rec.config.Domainname ?? '') !== (d.rec.config.Domainname ?? '')) {
        const config = { ...rec.config, Hostname: out.hostname, Domainname: d.rec.config.Domainname ?? '' };
        await this.ctx.store.updateConfig(rec.id, config);
        rec.config = config;
      }
      return out;
    }
    const req = this.requestOf(rec);
    if (!req) return out;
    for (const l of h.Links ?? []) {
      const { child, alias } = parseStoredLink(l);
      const c = this.ctx.lookup(child);
      if (!c) throw new InvalidArgumentError(`could not get container for ${child}: No such container: ${child}`);
      if (c.rec.state.status !== 'running' && c.rec.state.status !== 'paused') {
        throw new InvalidArgumentError(`Cannot link to a non running container: ${c.rec.name} AS ${rec.name}/${alias}`);
      }
    }
    const setup = await this.ctx.deps.networks!.attacher.attach(req);
    out.attached = true;
    out.namespacePaths.network = setup.netnsPath;
    out.files = { hosts: setup.hosts, resolvConf: setup.resolvConf };
    return out;
  }

  /** After the exit, a failed start, or at removal: everything the component made for the container goes. */
  async release(id: string): Promise<void> {
    const n = this.ctx.deps.networks;
    if (!n) return;
    await n.attacher.detach(id).catch((err) => this.ctx.log.warn({ id, err: messageOf(err) }, 'network detach failed'));
  }

  /** After a daemon start: the component keeps these containers' wiring and reclaims the rest. */
  async restore(running: ContainerRecord[]): Promise<void> {
    const n = this.ctx.deps.networks;
    if (!n) return;
    const reqs = running.map((r) => this.requestOf(r)).filter((r): r is ContainerNetworkRequest => r !== undefined);
    await n.attacher.restore(reqs);
  }

  private stored(e: Entry): StoredNetworking {
    return { EndpointsConfig: endpointsOf(e.rec), Normalized: true };
  }

  /** moby's updateNetworkConfig checks for a container joining a network (docker's messages). */
  private checkCanConnect(e: Entry, networkName: string, driver: string): void {
    const mode = networkModeOf(e.rec.hostConfig.NetworkMode);
    if (mode.kind === 'container') throw new InvalidArgumentError('container sharing network namespace with another container or host cannot be connected to any other network');
    if (mode.kind === 'host' || driver === 'host' || networkName === 'host') {
      throw new InvalidArgumentError('container cannot be disconnected from host network or connected to host network');
    }
    if (mode.kind === 'none' || driver === 'null' || networkName === 'none') {
      throw new InvalidArgumentError('container cannot be connected to multiple networks with one of the networks in private (none) mode');
    }
  }

  /** `POST /networks/{id}/connect`: a created container remembers it, a running one joins now. */
  async connect(networkRef: string, containerRef: string, cfg: EndpointSettings = {}): Promise<void> {
    const n = this.ctx.deps.networks;
    if (!n) throw new NotFoundError(`network ${networkRef} not found`);
    const net = await n.catalog.find(networkRef);
    const e = this.ctx.mustGet(containerRef);
    checkEndpoint(cfg);
    await this.ctx.exclusive(e, async () => {
      if (e.doomed || e.rec.state.status === 'removing' || e.rec.state.status === 'dead') {
        throw new ConflictError(`Container ${e.rec.id} is marked for removal and cannot be connected or disconnected to the network`);
      }
      this.checkCanConnect(e, net.name, net.driver);
      const stored = this.stored(e);
      const key = this.keyOf(stored, net);
      if (key !== undefined) throw new ForbiddenError(`endpoint with name ${e.rec.name.replace(/^\//, '')} already exists in network ${net.name}`);
      const ep = endpointConfig(cfg);
      if (e.task) {
        const setup = await n.attacher.connect(e.rec.id, toEndpointRequest(net.name, ep));
        await this.writeFiles(e, setup.hosts, setup.resolvConf);
      } else if (!net.predefined || net.name === 'bridge') {
        // moby checks the endpoint's config against the network now and wires it at start
        if (net.name === 'bridge' && ep.Aliases?.length) throw new InvalidArgumentError('network-scoped alias is supported only for containers in user defined networks');
        if (net.name === 'bridge' && (ep.IPAMConfig as { IPv4Address?: string } | undefined)?.IPv4Address) {
          throw new InvalidArgumentError('user specified IP address is supported on user defined networks only');
        }
      }
      stored.EndpointsConfig = { ...stored.EndpointsConfig, [net.name]: ep }; // an own property even for a network named `__proto__`
      await this.save(e, stored);
    });
  }

  /** `POST /networks/{id}/disconnect`. */
  async disconnect(networkRef: string, containerRef: string, force = false): Promise<void> {
    const n = this.ctx.deps.networks;
    if (!n) throw new NotFoundError(`network ${networkRef} not found`);
    const net = await n.catalog.find(networkRef);
    const e = this.ctx.lookup(containerRef);
    if (!e) {
      if (force) return n.attacher.disconnect(containerRef, net.id, { force: true }).then(() => undefined);
      throw new NotFoundError(`No such container: ${containerRef}`);
    }
    await this.ctx.exclusive(e, async () => {
      if (net.name === 'host' || networkModeOf(e.rec.hostConfig.NetworkMode).kind === 'host') {
        throw new InvalidArgumentError('container cannot be disconnected from host network or connected to host network');
      }
      const stored = this.stored(e);
      const key = this.keyOf(stored, net);
      if (e.task) {
        const setup = await n.attacher.disconnect(e.rec.id, net.id, { force });
        await this.writeFiles(e, setup.hosts, setup.resolvConf);
      } else if (key === undefined) {
        throw new InvalidArgumentError(`container ${e.rec.id} is not connected to network ${net.name}`);
      }
      if (key !== undefined) {
        delete stored.EndpointsConfig[key];
        await this.save(e, stored);
      }
    });
  }

  /** The stored endpoint key naming a network (by name, id, or the default bridge's aliases). */
  private keyOf(stored: StoredNetworking, net: { id: string; name: string }): string | undefined {
    return Object.keys(stored.EndpointsConfig).find(
      (k) => k === net.name || k === net.id || (net.name === 'bridge' && k === 'default') || (k.length >= 12 && net.id.startsWith(k)),
    );
  }

  private async save(e: Entry, stored: StoredNetworking): Promise<void> {
    await this.ctx.store.updateNetworking(e.rec.id, stored);
    e.rec.networkingConfig = stored;
  }

  private async writeFiles(e: Entry, hosts: string, resolvConf: string): Promise<void> {
    await this.ctx.hooks.writeContainerFiles(this.ctx.layout.containerDir(e.rec.id), {
      hostname: e.rec.config.Hostname || e.rec.id.slice(0, 12),
      hosts,
      resolvConf,
    });
  }

  /** Inspect's NetworkSettings: the component's while attached; else the networks with empty addresses, as Docker keeps them. */
  async settings(rec: ContainerRecord): Promise<NetworkSettings> {
    const n = this.ctx.deps.networks;
    const live = n?.attacher.attachment(rec.id);
    if (live) return networkSettingsOf(live);
    const mode = networkModeOf(rec.hostConfig.NetworkMode);
    if (mode.kind === 'container') return emptyNetworkSettings({});
    const eps: Record<string, EndpointSettings> =
      mode.kind === 'bridge' ? endpointsOf(rec) : { [mode.kind]: {} };
    const networks: Record<string, EndpointSettings> = {};
    for (const [k, cfg] of Object.entries(eps)) {
      const found = n ? await n.catalog.find(k).catch(() => undefined) : undefined;
      networks[found?.name ?? (k === 'default' ? 'bridge' : k)] = emptyEndpoint({ ...cfg, NetworkID: found?.id ?? '' });
    }
    return emptyNetworkSettings(networks);
  }
}
