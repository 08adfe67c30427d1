import type { ContainerNetworkRequest } from './network-attacher';

/** One pool of a network's IPAM as stored (JSON in the network's row). */
export interface StoredIpamConfig {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

/** One network as stored (table `networks`). */
export interface NetworkRecord {
  id: string;
  name: string;
  /** 'bridge', 'host' or 'null'. */
  driver: string;
  created: string;
  predefined: boolean;
  internal: boolean;
  attachable: boolean;
  enableIPv6: boolean;
  /** The Linux bridge ('' for host/none). */
  bridge: string;
  /** IPv4 subnet 'a.b.c.d/n', gateway 'a.b.c.d', dynamic range ('' for the whole subnet). */
  subnet: string;
  gateway: string;
  ipRange: string;
  /** IPv6 subnet and gateway ('' unless EnableIPv6 with an IPv6 subnet). */
  subnet6: string;
  gateway6: string;
  /** The subnet was given at create (--ip is allowed only then). */
  userSubnet: boolean;
  /** The IPAM driver, options and pools (stored in the field names of the first version's rows). */
  ipam: { Driver: string; Options: Record<string, string> | null; Config: StoredIpamConfig[] };
  options: Record<string, string>;
  labels: Record<string, string>;
}

/** One container's network namespace (table `sandboxes`). */
export interface SandboxRecord {
  containerId: string;
  netnsPath: string;
  request: ContainerNetworkRequest;
  created: string;
}

/** One container on one network (table `endpoints`). */
export interface EndpointRecord {
  id: string;
  networkId: string;
  containerId: string;
  /** Interface name in the container: eth0, eth1... */
  ifname: string;
  /** The host side of the veth pair. */
  hostVeth: string;
  ipv4: string;
  /** '' on networks without IPv6. */
  ipv6: string;
  mac: string;
  aliases: string[];
  links: string[];
  /** The IPAMConfig the container asked for (shown in inspect), or null. */
  ipamConfig: { IPv4Address?: string; IPv6Address?: string } | null;
  /** Attachment order (eth index and default-route choice). */
  seq: number;
}

/** One published port (table `ports`). */
export interface PortRecord {
  containerId: string;
  proto: 'tcp' | 'udp' | 'sctp';
  containerPort: number;
  /** '0.0.0.0', '::' or a specific host address. */
  hostIp: string;
  hostPort: number;
}
