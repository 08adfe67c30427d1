/**
 * Docker Engine API 1.41 shapes of the /networks routes and of a container's NetworkSettings,
 * as the docker CLI, docker-compose and dockerode send and read them. Field names are the wire's.
 */
import type { EndpointSettings, PortBinding } from '@berth/api';

export type { EndpointSettings, PortBinding };

/** `PortMap`: '80/tcp' -> bindings; null for an exposed port that is not published. */
export type PortMap = Record<string, PortBinding[] | null>;

/** A container inspect's `NetworkSettings` (Docker 20.10 fills all of these). */
export interface NetworkSettings {
  Bridge: string;
  SandboxID: string;
  HairpinMode: boolean;
  LinkLocalIPv6Address: string;
  LinkLocalIPv6PrefixLen: number;
  Ports: PortMap;
  SandboxKey: string;
  SecondaryIPAddresses: null;
  SecondaryIPv6Addresses: null;
  /** The top-level fields repeat the default bridge endpoint's (empty on user networks). */
  EndpointID: string;
  Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  MacAddress: string;
  Networks: Record<string, EndpointSettings>;
}
