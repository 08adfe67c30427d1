import type { Database } from '@berth/sqlite';
import type { Logger } from '@berth/log';
import type { NetworkCatalog } from './network-catalog';
import type { NetworkAttacher } from './network-attacher';

/** docker's network events ('network' type): attributes name, type (driver), container (connect/disconnect). */
export interface NetworkEvent {
  action: 'create' | 'destroy' | 'connect' | 'disconnect';
  networkId: string;
  attributes: Record<string, string>;
}

export interface AddressPool {
  /** A CIDR, e.g. 172.17.0.0/16. */
  base: string;
  /** Prefix length of each network carved from it, e.g. 16. */
  size: number;
}

export interface NetworkManagerConfig {
  /** The daemon's berth.db; the manager applies its own migrations (component `network`). */
  db: Database;
  /** berthd: <exec-root>/network: the netns files (runtime state: a tmpfs is right). */
  stateDir: string;
  logger?: Logger;
  defaultBridge?: {
    /** Linux bridge name, default 'berth0'. */
    name?: string;
    /** gateway/prefix, like dockerd --bip; default 172.17.0.1/16 unless the host uses it. */
    bip?: string;
  };
  /** Like dockerd --default-address-pool; default Docker's (172.17.0.0/16 size 16, 172.18.0.0/16.. , 192.168.0.0/16 size 20). */
  defaultAddressPools?: AddressPool[];
  /** Default '/etc/resolv.conf'. */
  hostResolvConf?: string;
  onEvent?: (e: NetworkEvent) => void;
}

export interface NetworkManager {
  catalog: NetworkCatalog;
  attacher: NetworkAttacher;
  /** Stops the DNS servers and port holders; leaves the host set-up in place (restore picks it up). */
  close(): Promise<void>;
}
