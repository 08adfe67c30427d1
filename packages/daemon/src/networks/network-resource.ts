import type { EndpointResource, IPAMConfig, NetworkCreateRequest, NetworkResource } from '@berth/api';
import type { NetworkCreateOptions, NetworkInfo } from '@berth/network';

/** Docker's `GET /networks/{id}` body (and one row of `GET /networks`) for a network of @berth/network. */
export function networkResource(n: NetworkInfo): NetworkResource {
  const containers: Record<string, EndpointResource> = {};
  for (const e of n.endpoints) {
    containers[e.containerId] = { Name: e.containerName, EndpointID: e.endpointId, MacAddress: e.mac, IPv4Address: e.ipv4, IPv6Address: e.ipv6 };
  }
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: n.scope,
    Driver: n.driver,
    EnableIPv6: n.enableIPv6,
    IPAM: {
      Driver: n.ipamDriver,
      Options: n.ipamOptions,
      Config: n.ipamConfigs.map(
        (c): IPAMConfig => ({
          ...(c.subnet !== undefined ? { Subnet: c.subnet } : {}),
          ...(c.ipRange !== undefined ? { IPRange: c.ipRange } : {}),
          ...(c.gateway !== undefined ? { Gateway: c.gateway } : {}),
          ...(c.auxAddresses !== undefined ? { AuxiliaryAddresses: c.auxAddresses } : {}),
        }),
      ),
    },
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

/** `POST /networks/create`'s body as @berth/network's create options. */
export function networkCreateOptions(req: NetworkCreateRequest): NetworkCreateOptions {
  return {
    name: req.Name,
    ...(req.Driver ? { driver: req.Driver } : {}),
    internal: !!req.Internal,
    attachable: !!req.Attachable,
    enableIPv6: !!req.EnableIPv6,
    ...(req.IPAM?.Driver ? { ipamDriver: req.IPAM.Driver } : {}),
    ipamOptions: req.IPAM?.Options ?? null,
    ipamConfigs: (req.IPAM?.Config ?? []).filter(Boolean).map((c) => ({
      ...(c.Subnet ? { subnet: c.Subnet } : {}),
      ...(c.IPRange ? { ipRange: c.IPRange } : {}),
      ...(c.Gateway ? { gateway: c.Gateway } : {}),
      ...(c.AuxiliaryAddresses ? { auxAddresses: c.AuxiliaryAddresses } : {}),
    })),
    options: { ...(req.Options ?? {}) },
    labels: { ...(req.Labels ?? {}) },
  };
}
