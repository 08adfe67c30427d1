/**
 * The package's own shapes of a container's networking: what the daemon asks for published
 * ports, and what an attached container has (the daemon renders Docker's NetworkSettings).
 */

/**
 * Published ports as asked ('80/tcp' -> bindings; HostPort '' or absent: a free port). Kept in
 * HostConfig.PortBindings' field names: it is stored with the sandbox as the daemon gave it.
 */
export type PortBindingsRequest = Record<string, { HostIp?: string; HostPort?: string }[] | null>;

/** One network an attached container is on. */
export interface AttachedEndpoint {
  /** The network's name and id. */
  network: string;
  networkId: string;
  endpointId: string;
  /** The default bridge: Docker repeats its addresses at the top of NetworkSettings. */
  defaultBridge: boolean;
  gateway: string;
  ipv4: string;
  prefixLen: number;
  /** '' and 0 without IPv6. */
  ipv6Gateway: string;
  ipv6: string;
  ipv6PrefixLen: number;
  mac: string;
  /** User networks: the aliases asked for, then the short id; null on predefined networks. */
  aliases: string[] | null;
  /** Per-endpoint links ('name:alias'). */
  links: string[];
  /** The addresses asked for (--ip, --ip6), null when none. */
  requested: { ipv4?: string; ipv6?: string } | null;
}

/** A published port: container port key ('80/tcp') and its bindings (none: exposed only). */
export interface AttachedPort {
  key: string;
  bindings: { hostIp: string; hostPort: number }[];
}

/** What an attached container has. */
export interface Attachment {
  /** sha256 of the sandbox key (Docker's SandboxID is a hex id). */
  sandboxId: string;
  /** The bind-mounted netns file. */
  sandboxKey: string;
  endpoints: AttachedEndpoint[];
  /** In Docker's order: the asked bindings, the exposed ports, then the rest. */
  ports: AttachedPort[];
}
