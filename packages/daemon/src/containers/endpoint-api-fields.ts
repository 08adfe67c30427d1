import type { EndpointSettings } from '@berth/api';

/** The parts of a container inspect the per-endpoint API fields are made of. */
export interface EndpointFieldsSource {
  Id: string;
  Name: string;
  Config?: { Hostname?: string } | null;
  HostConfig?: { NetworkMode?: string } | null;
  NetworkSettings?: { Networks?: Record<string, EndpointSettings> | null } | null;
}

const PREDEFINED = new Set(['bridge', 'default', 'host', 'none']);

/**
 * Inspect's EndpointSettings by the client's API version (Engine API version history):
 * - 1.44 adds `DNSNames`: every non-qualified name the container has on a user-defined
 *   network (its name, its aliases, its short id, its hostname; docker's order, no repeats);
 *   null on the predefined networks (the default bridge resolves no names);
 * - 1.45 drops the short id from `Aliases` (20.10 added it): exactly the aliases the client
 *   gave, null when it gave none.
 * Changes `v` in place.
 */
export function endpointFieldsForApi<T extends EndpointFieldsSource>(v: T, atLeast: (version: string) => boolean): T {
  const nets = v.NetworkSettings?.Networks;
  if (!nets) return v;
  const shortId = v.Id.slice(0, 12);
  const container = (v.HostConfig?.NetworkMode ?? '').startsWith('container:');
  for (const [name, ep] of Object.entries(nets)) {
    const given = (ep.Aliases ?? []).filter((a) => a !== shortId);
    if (atLeast('1.45')) ep.Aliases = given.length ? given : null;
    if (!atLeast('1.44')) {
      delete ep['DNSNames'];
      continue;
    }
    if (PREDEFINED.has(name) || container) {
      ep['DNSNames'] = null;
      continue;
    }
    const names = [v.Name.replace(/^\//, ''), ...given, shortId, v.Config?.Hostname ?? ''].filter((x) => x !== '');
    ep['DNSNames'] = [...new Set(names)];
  }
  return v;
}

/**
 * `GET /containers/json`'s EndpointSettings: docker's list copies only the addresses, ids and
 * IPAMConfig's two addresses (moby's container view snapshot), so `Links`, `Aliases` and
 * `DriverOpts` are null at every version, and `DNSNames` (a field from 1.44) is null from 1.44
 * and absent below, as a 20.10 daemon answers. Each row's Networks is replaced by copies (the
 * endpoints it had may be shared with inspect's view).
 */
export function summaryEndpointsForApi<T extends { NetworkSettings?: { Networks?: Record<string, EndpointSettings> | null } | null }>(
  rows: T[],
  atLeast: (version: string) => boolean,
): T[] {
  for (const row of rows) {
    const nets = row.NetworkSettings?.Networks;
    if (!row.NetworkSettings || !nets) continue;
    const copies: Record<string, EndpointSettings> = {};
    for (const [name, ep] of Object.entries(nets)) {
      const c: EndpointSettings = { ...ep, Links: null, Aliases: null, DriverOpts: null };
      const ipam = ep.IPAMConfig as { IPv4Address?: string; IPv6Address?: string } | null | undefined;
      // (its fields are omitempty; LinkLocalIPs is not copied)
      if (ipam) c.IPAMConfig = { ...(ipam.IPv4Address ? { IPv4Address: ipam.IPv4Address } : {}), ...(ipam.IPv6Address ? { IPv6Address: ipam.IPv6Address } : {}) };
      if (atLeast('1.44')) c['DNSNames'] = null;
      else delete c['DNSNames'];
      Object.defineProperty(copies, name, { value: c, enumerable: true, writable: true, configurable: true }); // (a network may be named `__proto__`)
    }
    row.NetworkSettings = { ...row.NetworkSettings, Networks: copies };
  }
  return rows;
}
