import type { Attachment, PortBindingsRequest } from './network-types';

/** One network a container is (to be) attached to: EndpointsConfig's entry, or `docker network connect`'s body. */
export interface EndpointRequest {
  /** Name, id or id prefix. 'bridge' is the default bridge network. */
  network: string;
  /** --network-alias (user-defined networks only, as Docker). */
  aliases?: string[];
  /** --ip / --ip6 (user-defined networks with a configured subnet only, as Docker). */
  ipv4Address?: string;
  ipv6Address?: string;
  /** --mac-address. */
  macAddress?: string;
  /** Per-endpoint links ('name:alias'), as EndpointSettings.Links. */
  links?: string[];
}

/** Everything the network component needs to give one container its networks. */
export interface ContainerNetworkRequest {
  containerId: string;
  /** Container name without the leading '/'. */
  name: string;
  hostname: string;
  domainname?: string;
  /** Bridge-driver networks only; the daemon handles host, none and container:X itself. */
  endpoints: EndpointRequest[];
  /** HostConfig.PortBindings ('80/tcp' -> bindings; HostPort '' or absent: a free port). */
  portBindings?: PortBindingsRequest | null;
  /** -P: publish every exposed port on a free host port. */
  publishAllPorts?: boolean;
  /** Config.ExposedPorts' keys ('80/tcp'); shown as unpublished (null) in NetworkSettings.Ports. */
  exposedPorts?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** --add-host 'name:ip'; ip 'host-gateway' is the default bridge's gateway. */
  extraHosts?: string[];
  /** Legacy --link on the default bridge: '/etc/hosts' entries for the linked containers. */
  links?: { name: string; alias: string; containerId: string }[];
}

/** What the daemon hands the runtime (and keeps for inspect). */
export interface ContainerNetworkSetup {
  /** A bind-mounted network namespace file; the runtime joins it (spec linux.namespaces {type:'network', path}). */
  netnsPath: string;
  /** Contents of the container's /etc/hosts and /etc/resolv.conf. */
  hosts: string;
  resolvConf: string;
  /** Its networks and published ports (the daemon renders Docker's NetworkSettings). */
  attachment: Attachment;
}

/** The container lifecycle side. Every method is idempotent. */
export interface NetworkAttacher {
  /**
   * Before the task starts: netns, veths, addresses, routes, port rules, DNS records. On failure
   * nothing is left half-created. A taken host port: Conflict/InvalidArgument as Docker's
   * `driver failed programming external connectivity on endpoint NAME (ID): Bind for 0.0.0.0:8080 failed: port is already allocated`.
   * Attaching a container that is attached already returns its current setup.
   */
  attach(req: ContainerNetworkRequest): Promise<ContainerNetworkSetup>;
  /** After the task exited (or on removal): everything of the container gone, addresses and ports freed. */
  detach(containerId: string): Promise<void>;
  /** A running (attached) container joins one more network: a new interface eth1, eth2... */
  connect(containerId: string, ep: EndpointRequest): Promise<ContainerNetworkSetup>;
  /** Leaves one network; the returned setup has the remaining ones. */
  disconnect(containerId: string, network: string, opts?: { force?: boolean }): Promise<ContainerNetworkSetup>;
  /** Networks and ports of an attached container (undefined when not attached). */
  attachment(containerId: string): Attachment | undefined;
  /** Current full setup of an attached container (undefined when not attached). */
  setup(containerId: string): ContainerNetworkSetup | undefined;
  /**
   * After a berthd start (also after kill -9): keep those still running (re-serve their DNS
   * records and published ports), reclaim everything else (netns, veths, rules, addresses).
   */
  restore(running: ContainerNetworkRequest[]): Promise<void>;
}
