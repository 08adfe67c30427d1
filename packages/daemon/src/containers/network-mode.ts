import type { EndpointSettings } from '@berth/api';
import { InvalidArgumentError } from '@berth/errdefs';
import type { ContainerRecord } from './container-record';

/**
 * Docker's HostConfig.NetworkMode, decided: no network (`none`), the host's (`host`), another
 * container's namespace (`container:NAME`), or bridge-driver networks (`default`/`bridge`, a
 * user-defined network's name or id). Docker's network-mode policy lives here, in the daemon;
 * the network component only wires bridge networks.
 */
export type NetworkModeKind =
  | { kind: 'none' }
  | { kind: 'host' }
  | { kind: 'container'; ref: string }
  | { kind: 'bridge'; network: string };

export function networkModeOf(mode: string | undefined): NetworkModeKind {
  const m = mode ?? '';
  if (m === '' || m === 'default' || m === 'bridge') return { kind: 'bridge', network: 'bridge' };
  if (m === 'none') return { kind: 'none' };
  if (m === 'host') return { kind: 'host' };
  if (m.startsWith('container:')) return { kind: 'container', ref: m.slice('container:'.length) };
  return { kind: 'bridge', network: m };
}

/** `container:NAME` of IpcMode/PidMode: the container's ref, else undefined. */
export function joinedContainer(mode: string | undefined): string | undefined {
  return mode?.startsWith('container:') ? mode.slice('container:'.length) : undefined;
}

/** What berth keeps in the container row's `networking` column: the networks it joins at start. */
export interface StoredNetworking {
  /** Network (as named at create/connect) → endpoint config (aliases, IPAMConfig, links, MAC). */
  EndpointsConfig: Record<string, EndpointSettings>;
  /** Set once berth normalized the row (create adds the mode's network; connect/disconnect edit it). */
  Normalized?: true;
}

/**
 * The networks a container joins at start, by the name it was given: for bridge modes, the
 * stored EndpointsConfig (create adds NetworkMode's network; connect/disconnect on a stopped
 * container edit it, as Docker's NetworkSettings.Networks); rows older than networking join
 * their NetworkMode's network.
 */
export function endpointsOf(rec: Pick<ContainerRecord, 'hostConfig' | 'networkingConfig'>): Record<string, EndpointSettings> {
  const mode = networkModeOf(rec.hostConfig.NetworkMode);
  if (mode.kind !== 'bridge') return {};
  const stored = rec.networkingConfig as Partial<StoredNetworking> | null | undefined;
  if (stored?.Normalized) return { ...(stored.EndpointsConfig ?? {}) };
  return { [mode.network]: stored?.EndpointsConfig?.[mode.network] ?? {}, ...(stored?.EndpointsConfig ?? {}) };
}

/**
 * NetworkingConfig of a create body, normalized (moby's verifyNetworkingConfig: valid IPAMConfig
 * addresses; before API 1.44 at most one endpoint, from 1.44 every network named is joined), with
 * NetworkMode's network as its entry.
 */
export function normalizeNetworking(networkMode: string, raw: unknown, opts: { multipleNetworks?: boolean } = {}): StoredNetworking {
  const eps = (raw as { EndpointsConfig?: Record<string, unknown> | null } | null)?.EndpointsConfig ?? {};
  if (eps === null || typeof eps !== 'object' || Array.isArray(eps)) throw new InvalidArgumentError('NetworkingConfig.EndpointsConfig: expected an object');
  const names = Object.keys(eps);
  if (names.length > 1 && !opts.multipleNetworks) throw new InvalidArgumentError(`Container cannot be connected to network endpoints: ${names.join(', ')}`);
  for (const [k, v] of Object.entries(eps)) {
    if (v === null || typeof v !== 'object') throw new InvalidArgumentError(`no EndpointSettings for ${k}`);
    checkEndpoint(v as EndpointSettings);
  }
  const mode = networkModeOf(networkMode);
  if (mode.kind !== 'bridge') return { EndpointsConfig: {}, Normalized: true };
  // the CLI and compose name the mode's network in EndpointsConfig when they configure it
  const isMode = (n: string): boolean => n === mode.network || (isDefault(n) && isDefault(mode.network));
  const modeName = names.find(isMode);
  // own properties (fromEntries): `out[n] = ...` with n `__proto__` would set the object's
  // prototype and drop the network the client named (Docker: not found)
  const out: Record<string, EndpointSettings> = Object.fromEntries([
    [mode.network, modeName === undefined ? {} : endpointConfig(eps[modeName] as EndpointSettings)],
    ...names.filter((n) => n !== modeName).map((n) => [n, endpointConfig(eps[n] as EndpointSettings)] as const),
  ]);
  return { EndpointsConfig: out, Normalized: true };
}

function isDefault(x: string): boolean {
  return x === 'bridge' || x === 'default';
}

/** The parts of an EndpointSettings a client configures (what berth stores and passes on). */
export function endpointConfig(v: EndpointSettings): EndpointSettings {
  const out: EndpointSettings = {};
  const ipam = v.IPAMConfig as { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null | undefined;
  if (ipam && (ipam.IPv4Address || ipam.IPv6Address || ipam.LinkLocalIPs?.length)) out.IPAMConfig = { ...ipam };
  if (Array.isArray(v.Aliases) && v.Aliases.length) out.Aliases = v.Aliases.filter((a): a is string => typeof a === 'string');
  if (Array.isArray(v.Links) && v.Links.length) out.Links = v.Links.filter((a): a is string => typeof a === 'string');
  if (typeof v.MacAddress === 'string' && v.MacAddress) out.MacAddress = v.MacAddress;
  if (v.DriverOpts && typeof v.DriverOpts === 'object') out.DriverOpts = v.DriverOpts;
  return out;
}

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** moby's checks of an endpoint's IPAMConfig (docker's messages). */
export function checkEndpoint(v: EndpointSettings): void {
  const ipam = v.IPAMConfig as { IPv4Address?: unknown; IPv6Address?: unknown } | null | undefined;
  if (!ipam) return;
  if (typeof ipam.IPv4Address === 'string' && ipam.IPv4Address !== '' && !IPV4_RE.test(ipam.IPv4Address)) {
    throw new InvalidArgumentError(`invalid IPv4 address: ${ipam.IPv4Address}`);
  }
  if (typeof ipam.IPv6Address === 'string' && ipam.IPv6Address !== '' && !ipam.IPv6Address.includes(':')) {
    throw new InvalidArgumentError(`invalid IPv6 address: ${ipam.IPv6Address}`);
  }
}

/**
 * moby's runconfig validateNetMode: the combinations Docker refuses at create (400), with its
 * messages. `hostname` is the one the client asked for ('' when none).
 */
export function checkNetworkModeConflicts(req: {
  networkMode: string;
  hostname: string;
  macAddress: string;
  links: string[];
  dns: string[];
  extraHosts: string[];
  publishes: boolean;
  exposes: boolean;
}): void {
  const mode = networkModeOf(req.networkMode);
  const bad = (m: string): never => {
    throw new InvalidArgumentError(m);
  };
  if (mode.kind === 'container') {
    if (mode.ref === '') bad(`invalid container format container:<name|id>`);
    if (req.hostname !== '') bad('conflicting options: hostname and the network mode');
    if (req.links.length) bad("conflicting options: container type network can't be used with links. This would result in undefined behavior");
    if (req.dns.length) bad('conflicting options: dns and the network mode');
    if (req.extraHosts.length) bad('conflicting options: custom host-to-IP mapping and the network mode');
    if (req.publishes) bad('conflicting options: port publishing and the container type network mode');
    if (req.exposes) bad('conflicting options: port exposing and the container type network mode');
  }
  if ((mode.kind === 'host' || mode.kind === 'container') && req.macAddress !== '') bad('conflicting options: mac-address and the network mode');
  if (mode.kind === 'host' && req.links.length) bad("conflicting options: host type networking can't be used with links. This would result in undefined behavior");
}
