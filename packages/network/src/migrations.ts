import type { Migration } from '@berth/sqlite';

export const COMPONENT = 'network';

/** The network component's tables in berth.db (docs/LAYOUT.md). Never edit a shipped step. */
export const networkMigrations: readonly Migration[] = [
  {
    version: 1,
    component: COMPONENT,
    description: 'networks, sandboxes, endpoints, published ports',
    up: `
CREATE TABLE networks (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL UNIQUE,
  driver       TEXT NOT NULL,
  created      TEXT NOT NULL,
  predefined   INTEGER NOT NULL DEFAULT 0,
  internal     INTEGER NOT NULL DEFAULT 0,
  attachable   INTEGER NOT NULL DEFAULT 0,
  enable_ipv6  INTEGER NOT NULL DEFAULT 0,
  bridge       TEXT NOT NULL DEFAULT '',
  subnet       TEXT NOT NULL DEFAULT '',
  gateway      TEXT NOT NULL DEFAULT '',
  ip_range     TEXT NOT NULL DEFAULT '',
  user_subnet  INTEGER NOT NULL DEFAULT 0,
  ipam         TEXT NOT NULL DEFAULT '{}',
  options      TEXT NOT NULL DEFAULT '{}',
  labels       TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE sandboxes (
  container_id TEXT PRIMARY KEY,
  netns_path   TEXT NOT NULL,
  request      TEXT NOT NULL,
  created      TEXT NOT NULL
);
CREATE TABLE endpoints (
  id           TEXT PRIMARY KEY,
  network_id   TEXT NOT NULL REFERENCES networks(id),
  container_id TEXT NOT NULL REFERENCES sandboxes(container_id) ON DELETE CASCADE,
  ifname       TEXT NOT NULL,
  host_veth    TEXT NOT NULL,
  ipv4         TEXT NOT NULL,
  mac          TEXT NOT NULL,
  aliases      TEXT NOT NULL DEFAULT '[]',
  links        TEXT NOT NULL DEFAULT '[]',
  ipam_config  TEXT,
  seq          INTEGER NOT NULL,
  UNIQUE (network_id, container_id),
  UNIQUE (network_id, ipv4)
);
CREATE INDEX endpoints_container ON endpoints(container_id);
CREATE TABLE ports (
  container_id   TEXT NOT NULL REFERENCES sandboxes(container_id) ON DELETE CASCADE,
  proto          TEXT NOT NULL,
  container_port INTEGER NOT NULL,
  host_ip        TEXT NOT NULL,
  host_port      INTEGER NOT NULL,
  PRIMARY KEY (proto, host_ip, host_port)
);
CREATE INDEX ports_container ON ports(container_id);
`,
  },
  {
    version: 2,
    component: COMPONENT,
    description: 'IPv6: networks.subnet6/gateway6, endpoints.ipv6',
    up: `
ALTER TABLE networks ADD COLUMN subnet6 TEXT NOT NULL DEFAULT '';
ALTER TABLE networks ADD COLUMN gateway6 TEXT NOT NULL DEFAULT '';
ALTER TABLE endpoints ADD COLUMN ipv6 TEXT NOT NULL DEFAULT '';
`,
  },
];
