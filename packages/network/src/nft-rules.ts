/** What the firewall table is made from: the bridge networks and the published ports. */
export interface FirewallState {
  /** icc false: `com.docker.network.bridge.enable_icc=false`, the network's containers cannot reach each other. */
  networks: { bridge: string; subnet: string; internal: boolean; masquerade: boolean; icc: boolean }[];
  /** IPv4 DNAT entries: hostIp '0.0.0.0' means any local address. */
  ports: { proto: 'tcp' | 'udp' | 'sctp'; hostIp: string; hostPort: number; containerIp: string; containerPort: number }[];
}

export const TABLE = 'berth';

/**
 * The whole `ip berth` table as one `nft -f` script, replacing the previous one atomically
 * (conntrack entries of running flows survive):
 * - forward: traffic within one network passes; published ports (DNATed) pass; internal
 *   networks talk to nothing else; different bridge networks are isolated from each other;
 * - postrouting: masquerade of a network's subnet leaving by another interface, and of
 *   loopback sources reaching a published port (route_localnet on the bridges);
 * - prerouting/output: DNAT of published ports for traffic to a local address.
 * A network with icc off (`com.docker.network.bridge.enable_icc=false`, set `noicc`): traffic
 * between two of its containers is dropped, as Docker's `-i br -o br -j DROP`. It is bridged, so
 * the ip hooks see it through br_netfilter (bridge-nf-call-iptables, which the network's create
 * turns on, as Docker). The gateway and the outside are not between two ports of the bridge and
 * still pass; so does a published port reached through a host address (DNAT), as through
 * Docker's userland proxy.
 */
export function nftScript(s: FirewallState): string {
  const q = (n: string) => JSON.stringify(n);
  const elems = (xs: string[]) => (xs.length ? ` elements = { ${xs.join(', ')} };` : '');
  const bridges = s.networks.map((n) => q(n.bridge));
  const same = s.networks.map((n) => `${q(n.bridge)} . ${q(n.bridge)}`);
  const noIcc = s.networks.filter((n) => !n.icc).map((n) => `${q(n.bridge)} . ${q(n.bridge)}`);
  const internal = s.networks.filter((n) => n.internal).map((n) => q(n.bridge));
  const masq = s.networks.filter((n) => !n.internal && n.masquerade).map((n) => n.subnet);
  const map = (proto: string, any: boolean) =>
    s.ports
      .filter((p) => p.proto === proto && (p.hostIp === '0.0.0.0') === any)
      .sort((a, b) => a.hostPort - b.hostPort || a.hostIp.localeCompare(b.hostIp))
      .map((p) => `${any ? '' : `${p.hostIp} . `}${p.hostPort} : ${p.containerIp} . ${p.containerPort}`);
  const lines = [
    `table ip ${TABLE}`,
    `delete table ip ${TABLE}`,
    `table ip ${TABLE} {`,
    `  set bridges { type ifname;${elems(bridges)} }`,
    `  set same { type ifname . ifname;${elems(same)} }`,
    `  set internal { type ifname;${elems(internal)} }`,
    `  set noicc { type ifname . ifname;${elems(noIcc)} }`,
    `  set masq { type ipv4_addr; flags interval;${elems(masq)} }`,
    `  set subnets { type ipv4_addr; flags interval;${elems(s.networks.map((n) => n.subnet))} }`,
  ];
  for (const proto of ['tcp', 'udp', 'sctp']) {
    lines.push(`  map ${proto}_ip { type ipv4_addr . inet_service : ipv4_addr . inet_service;${elems(map(proto, false))} }`);
    lines.push(`  map ${proto}_any { type inet_service : ipv4_addr . inet_service;${elems(map(proto, true))} }`);
  }
  lines.push(
    '  chain ports {',
    ...['tcp', 'udp', 'sctp'].flatMap((p) => [`    dnat ip to ip daddr . ${p} dport map @${p}_ip`, `    dnat ip to ${p} dport map @${p}_any`]),
    '  }',
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    '    fib daddr type local jump ports',
    '  }',
    '  chain output {',
    '    type nat hook output priority -100; policy accept;',
    '    fib daddr type local jump ports',
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    '    ip saddr @masq oifname != @bridges masquerade',
    '    ip saddr 127.0.0.0/8 oifname @bridges masquerade',
    // A container reaching a published port (its own or a peer's) through a host address: the
    // reply must come back through the host, not straight from the peer (with br_netfilter
    // loaded the bridged hooks see no input interface here, so match on the source subnet).
    '    ct status dnat ip saddr @subnets oifname @bridges masquerade',
    '  }',
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    '    iifname . oifname @noicc ct status & dnat == 0 drop',
    '    iifname . oifname @same accept',
    '    ct status dnat oifname @bridges oifname != @internal accept',
    '    iifname @internal drop',
    '    oifname @internal drop',
    '    iifname @bridges oifname @bridges drop',
    '  }',
    '}',
  );
  return lines.join('\n') + '\n';
}

type PortEntry = FirewallState['ports'][number];

function mapOf(p: PortEntry): string {
  return `${p.proto}_${p.hostIp === '0.0.0.0' ? 'any' : 'ip'}`;
}
function keyOf(p: PortEntry): string {
  return p.hostIp === '0.0.0.0' ? `${p.hostPort}` : `${p.hostIp} . ${p.hostPort}`;
}

/**
 * The published-port changes from `before` to `after` as element deletions and additions in
 * the existing table: what a container start or stop costs (no table rewrite), '' when none.
 */
export function nftPortDiffScript(before: PortEntry[], after: PortEntry[]): string {
  const id = (p: PortEntry) => `${mapOf(p)} ${keyOf(p)} : ${p.containerIp} . ${p.containerPort}`;
  const had = new Map(before.map((p) => [id(p), p]));
  const has = new Map(after.map((p) => [id(p), p]));
  const lines: string[] = [];
  for (const [k, p] of had) if (!has.has(k)) lines.push(`delete element ip ${TABLE} ${mapOf(p)} { ${keyOf(p)} }`);
  for (const [k, p] of has) if (!had.has(k)) lines.push(`add element ip ${TABLE} ${mapOf(p)} { ${keyOf(p)} : ${p.containerIp} . ${p.containerPort} }`);
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** Removes the table (no error when it is not there). */
export function nftDeleteScript(): string {
  return `table ip ${TABLE}\ndelete table ip ${TABLE}\n`;
}
