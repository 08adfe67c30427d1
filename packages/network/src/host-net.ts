/** A Linux bridge the network owns: name, gateway/prefix, MTU. */
export interface BridgeSpec {
  name: string;
  /** 'gateway/prefix', e.g. 172.17.0.1/16. */
  address: string;
  /** IPv6 'gateway/prefix' on networks with IPv6. */
  address6?: string;
  mtu: number;
}

/** One veth pair from a bridge into a container's network namespace. */
export interface VethSpec {
  netnsPath: string;
  bridge: string;
  /** Host-side name, e.g. veth1a2b3c4. */
  hostName: string;
  /** Name inside the container, eth0, eth1... */
  ifname: string;
  mac: string;
  /** 'address/prefix'. */
  address: string;
  /** The default route's gateway, when this interface carries it. */
  gateway?: string;
  /** IPv6 'address/prefix' and the IPv6 default route's gateway (networks with IPv6). */
  address6?: string;
  gateway6?: string;
  mtu: number;
}

/**
 * The kernel objects the network component makes: what talks to the host (ip/unshare
 * commands, or netlink from the native addon). Every method is idempotent where it says so.
 */
export interface HostNet {
  /** Creates the bridge if missing, gives it its address, brings it up, allows routed loopback (route_localnet). */
  ensureBridge(b: BridgeSpec): Promise<void>;
  /** Removes the bridge; no error when it is gone already. */
  deleteBridge(name: string): Promise<void>;
  /** A new network namespace, bind-mounted at `path` (lo up). */
  createNetns(path: string): Promise<void>;
  /** Unmounts and removes the namespace file (its interfaces go with it); no error when gone. */
  deleteNetns(path: string): Promise<void>;
  /** Creates the veth pair, the address, the route; the host side joins the bridge, up. */
  addVeth(v: VethSpec): Promise<void>;
  /** Removes an interface of the host side; no error when gone. */
  deleteLink(name: string): Promise<void>;
  /** Deletes `ifname` inside the namespace (hot unplug). */
  deleteLinkIn(netnsPath: string, ifname: string): Promise<void>;
  /** Replaces the default route inside the namespace (none when gateway is undefined). */
  setDefaultRoute(netnsPath: string, gateway: string | undefined): Promise<void>;
  /** Interface names in the current (berthd's) network namespace. */
  links(): Promise<string[]>;
  /** ip_forward on. */
  enableForwarding(): Promise<void>;
  /**
   * Bridged IPv4 frames through the ip hooks (br_netfilter's bridge-nf-call-iptables on), as
   * Docker sets it for a network with icc off: its rule sees traffic between two ports of a bridge.
   */
  enableBridgeFiltering(): Promise<void>;
}
