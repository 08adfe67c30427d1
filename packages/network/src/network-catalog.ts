/** What the daemon needs to know of a network without its endpoints. */
export interface NetworkSummary {
  id: string;
  name: string;
  /** 'bridge', 'host' or 'null' (Docker's driver names). */
  driver: string;
  scope: 'local';
  /** bridge, host and none: predefined, cannot be removed. */
  predefined: boolean;
  internal: boolean;
  attachable: boolean;
  /** The Linux bridge's name ('' for host/none). */
  bridgeName: string;
  /** IPv4 subnet and gateway ('' for host/none). */
  subnet: string;
  gateway: string;
  labels: Record<string, string>;
}

/** One address pool of a network (IPv4 or IPv6), as created or given. */
export interface NetworkIpamConfig {
  subnet?: string;
  ipRange?: string;
  gateway?: string;
  auxAddresses?: Record<string, string>;
}

/** One container attached to a network. */
export interface NetworkEndpointInfo {
  containerId: string;
  /** Without the leading '/'. */
  containerName: string;
  endpointId: string;
  mac: string;
  /** CIDR form, e.g. `172.18.0.2/16`. */
  ipv4: string;
  /** CIDR form, '' when none. */
  ipv6: string;
}

/** A network with its endpoints (the daemon renders Docker's NetworkResource from it). */
export interface NetworkInfo {
  id: string;
  name: string;
  /** 'bridge', 'host' or 'null'. */
  driver: string;
  scope: 'local';
  /** RFC 3339 with nanoseconds. */
  created: string;
  predefined: boolean;
  internal: boolean;
  attachable: boolean;
  enableIPv6: boolean;
  ipamDriver: string;
  ipamOptions: Record<string, string> | null;
  ipamConfigs: NetworkIpamConfig[];
  options: Record<string, string>;
  labels: Record<string, string>;
  endpoints: NetworkEndpointInfo[];
}

/** What `create` is asked for (the daemon reads it from Docker's request body). */
export interface NetworkCreateOptions {
  name: string;
  /** Default 'bridge'. */
  driver?: string;
  internal?: boolean;
  attachable?: boolean;
  enableIPv6?: boolean;
  /** Default 'default'. */
  ipamDriver?: string;
  ipamOptions?: Record<string, string> | null;
  ipamConfigs?: NetworkIpamConfig[];
  options?: Record<string, string>;
  labels?: Record<string, string>;
}

/**
 * The networks: what the /networks routes need, as the package's own data (the daemon parses
 * Docker's filters and renders Docker's shapes). Errors are errdefs kinds with Docker's messages
 * (the daemon maps kinds to HTTP once).
 */
export interface NetworkCatalog {
  /**
   * Bridge driver only (others: NotImplemented/InvalidArgument as Docker's "plugin X not found").
   * Duplicate name: AlreadyExists (409) "network with name X already exists". Returns the id.
   */
  create(opts: NetworkCreateOptions): Promise<string>;
  /** Every network, bridge, host and none included, in Docker's order (predefined first). */
  list(): Promise<NetworkInfo[]>;
  /** NotFound "network X not found". */
  inspect(idOrName: string): Promise<NetworkInfo>;
  /**
   * Predefined: Forbidden "bridge is a pre-defined network and cannot be removed".
   * In use: Forbidden "error while removing network: network X id Y has active endpoints".
   */
  remove(idOrName: string): Promise<void>;
  /** Removes the unused user-defined networks `select` picks; returns their names. */
  prune(select: (n: NetworkInfo) => boolean): Promise<string[]>;
  /** Exact name, full id, or unique id prefix (as Docker: full id, then name, then prefix). NotFound "network X not found". */
  find(idOrName: string): Promise<NetworkSummary>;
}
