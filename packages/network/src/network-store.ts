import type { Database, Queryable } from '@berth/sqlite';
import type { EndpointRecord, NetworkRecord, PortRecord, SandboxRecord } from './network-records';

type Row = Record<string, unknown>;

/** The network component's rows, read once at open and written through. */
export class NetworkStore {
  constructor(private readonly db: Database) {}

  async loadAll(): Promise<{ networks: NetworkRecord[]; sandboxes: SandboxRecord[]; endpoints: EndpointRecord[]; ports: PortRecord[] }> {
    const networks = (await this.db.all<Row>('SELECT * FROM networks ORDER BY created')).map(toNetwork);
    const sandboxes = (await this.db.all<Row>('SELECT * FROM sandboxes')).map((r) => ({
      containerId: String(r.container_id),
      netnsPath: String(r.netns_path),
      request: JSON.parse(String(r.request)),
      created: String(r.created),
    }));
    const endpoints = (await this.db.all<Row>('SELECT * FROM endpoints ORDER BY seq')).map(toEndpoint);
    const ports = (await this.db.all<Row>('SELECT * FROM ports')).map((r) => ({
      containerId: String(r.container_id),
      proto: String(r.proto) as PortRecord['proto'],
      containerPort: Number(r.container_port),
      hostIp: String(r.host_ip),
      hostPort: Number(r.host_port),
    }));
    return { networks, sandboxes, endpoints, ports };
  }

  insertNetwork(n: NetworkRecord, q: Queryable = this.db) {
    return q.run(
      `INSERT INTO networks (id, name, driver, created, predefined, internal, attachable, enable_ipv6, bridge, subnet, gateway, ip_range, user_subnet, subnet6, gateway6, ipam, options, labels)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        n.id,
        n.name,
        n.driver,
        n.created,
        n.predefined ? 1 : 0,
        n.internal ? 1 : 0,
        n.attachable ? 1 : 0,
        n.enableIPv6 ? 1 : 0,
        n.bridge,
        n.subnet,
        n.gateway,
        n.ipRange,
        n.userSubnet ? 1 : 0,
        n.subnet6,
        n.gateway6,
        JSON.stringify(n.ipam),
        JSON.stringify(n.options),
        JSON.stringify(n.labels),
      ],
    );
  }

  deleteNetwork(id: string) {
    return this.db.run('DELETE FROM networks WHERE id = ?', [id]);
  }

  /** A sandbox with its endpoints and ports, in one transaction. */
  insertSandbox(s: SandboxRecord, eps: EndpointRecord[], ports: PortRecord[]) {
    return this.db.transaction(async (tx) => {
      await tx.run('INSERT OR REPLACE INTO sandboxes (container_id, netns_path, request, created) VALUES (?, ?, ?, ?)', [
        s.containerId,
        s.netnsPath,
        JSON.stringify(s.request),
        s.created,
      ]);
      for (const e of eps) await this.insertEndpoint(e, tx);
      for (const p of ports) await this.insertPort(p, tx);
    });
  }

  updateSandboxRequest(s: SandboxRecord) {
    return this.db.run('UPDATE sandboxes SET request = ? WHERE container_id = ?', [JSON.stringify(s.request), s.containerId]);
  }

  /** The sandbox row; its endpoints and ports go with it (cascade). */
  deleteSandbox(containerId: string) {
    return this.db.run('DELETE FROM sandboxes WHERE container_id = ?', [containerId]);
  }

  insertEndpoint(e: EndpointRecord, q: Queryable = this.db) {
    return q.run(
      `INSERT INTO endpoints (id, network_id, container_id, ifname, host_veth, ipv4, ipv6, mac, aliases, links, ipam_config, seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [e.id, e.networkId, e.containerId, e.ifname, e.hostVeth, e.ipv4, e.ipv6, e.mac, JSON.stringify(e.aliases), JSON.stringify(e.links), e.ipamConfig ? JSON.stringify(e.ipamConfig) : null, e.seq],
    );
  }

  deleteEndpoint(id: string) {
    return this.db.run('DELETE FROM endpoints WHERE id = ?', [id]);
  }

  insertPort(p: PortRecord, q: Queryable = this.db) {
    return q.run('INSERT INTO ports (container_id, proto, container_port, host_ip, host_port) VALUES (?, ?, ?, ?, ?)', [
      p.containerId,
      p.proto,
      p.containerPort,
      p.hostIp,
      p.hostPort,
    ]);
  }
}

function toNetwork(r: Row): NetworkRecord {
  return {
    id: String(r.id),
    name: String(r.name),
    driver: String(r.driver),
    created: String(r.created),
    predefined: Number(r.predefined) === 1,
    internal: Number(r.internal) === 1,
    attachable: Number(r.attachable) === 1,
    enableIPv6: Number(r.enable_ipv6) === 1,
    bridge: String(r.bridge),
    subnet: String(r.subnet),
    gateway: String(r.gateway),
    ipRange: String(r.ip_range),
    userSubnet: Number(r.user_subnet) === 1,
    subnet6: String(r.subnet6 ?? ''),
    gateway6: String(r.gateway6 ?? ''),
    ipam: JSON.parse(String(r.ipam)),
    options: JSON.parse(String(r.options)),
    labels: JSON.parse(String(r.labels)),
  };
}

function toEndpoint(r: Row): EndpointRecord {
  return {
    id: String(r.id),
    networkId: String(r.network_id),
    containerId: String(r.container_id),
    ifname: String(r.ifname),
    hostVeth: String(r.host_veth),
    ipv4: String(r.ipv4),
    ipv6: String(r.ipv6 ?? ''),
    mac: String(r.mac),
    aliases: JSON.parse(String(r.aliases)),
    links: JSON.parse(String(r.links)),
    ipamConfig: r.ipam_config ? JSON.parse(String(r.ipam_config)) : null,
    seq: Number(r.seq),
  };
}
