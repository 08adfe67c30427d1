import type { Filters } from '@berth/api';
import type { NetworkCreateRequest, NetworkResource } from './network-types';

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

/**
 * The /networks routes. Shapes are Docker Engine API 1.41's. Errors are errdefs kinds with
 * Docker's messages (the daemon maps kinds to HTTP once).
 */
export interface NetworkCatalog {
  /**
   * Bridge driver only (others: NotImplemented/InvalidArgument as Docker's "plugin X not found").
   * Duplicate name: AlreadyExists (409) "network with name X already exists".
   */
  create(req: NetworkCreateRequest): Promise<{ Id: string; Warning: string }>;
  /** filters: name, id, label, driver, type (custom/builtin), scope, dangling. Includes bridge, host, none. */
  list(filters?: Filters): Promise<NetworkResource[]>;
  /** Containers holds the active endpoints. NotFound "network X not found". */
  inspect(idOrName: string, opts?: { verbose?: boolean }): Promise<NetworkResource>;
  /**
   * Predefined: Forbidden "bridge is a pre-defined network and cannot be removed".
   * In use: Forbidden "error while removing network: network X id Y has active endpoints".
   */
  remove(idOrName: string): Promise<void>;
  /** filters: until, label, label!. Removes unused user-defined networks. */
  prune(filters?: Filters): Promise<{ NetworksDeleted: string[] }>;
  /** Exact name, full id, or unique id prefix (as Docker: full id, then name, then prefix). NotFound "network X not found". */
  find(idOrName: string): Promise<NetworkSummary>;
}
