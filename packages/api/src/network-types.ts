/**
 * Docker Engine API 1.41 shapes of the /networks routes and of a container's NetworkSettings,
 * as the docker CLI, docker-compose and dockerode send and read them. Field names are the wire's.
 * The daemon renders them from @berth/network's own records.
 */
import type { EndpointSettings, PortBinding } from './types';

export interface IPAMConfig {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

export interface IPAM {
  Driver?: string;
  Options?: Record<string, string> | null;
  Config?: IPAMConfig[] | null;
}

/** Body of `POST /networks/create`. */
export interface NetworkCreateRequest {
  Name: string;
  CheckDuplicate?: boolean;
  Driver?: string;
  Scope?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  ConfigOnly?: boolean;
  ConfigFrom?: { Network?: string } | null;
  IPAM?: IPAM | null;
  EnableIPv6?: boolean;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** One active endpoint in a network's inspect (`Containers` map, keyed by container id). */
export interface EndpointResource {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  /** CIDR form, e.g. `172.18.0.2/16`; '' when none. */
  IPv4Address: string;
  IPv6Address: string;
}

/** `GET /networks/{id}` and one row of `GET /networks`. */
export interface NetworkResource {
  Name: string;
  Id: string;
  Created: string;
  Scope: string;
  Driver: string;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: IPAMConfig[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, EndpointResource>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

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
