import { describe, expect, it } from '@jest/globals';
import { Firewall } from './firewall';
import { nftPortDiffScript, nftScript } from './nft-rules';

const state = {
  networks: [
    { bridge: 'berth0', subnet: '172.17.0.0/16', internal: false, masquerade: true, icc: true },
    { bridge: 'br-0123456789ab', subnet: '172.18.0.0/16', internal: true, masquerade: true, icc: true },
    { bridge: 'br-nomasq', subnet: '172.19.0.0/16', internal: false, masquerade: false, icc: true },
  ],
  ports: [
    { proto: 'tcp' as const, hostIp: '0.0.0.0', hostPort: 8080, containerIp: '172.17.0.2', containerPort: 80 },
    { proto: 'udp' as const, hostIp: '127.0.0.1', hostPort: 5353, containerIp: '172.17.0.3', containerPort: 53 },
  ],
};

describe('nftScript', () => {
  const s = nftScript(state);
  it('replaces the whole table atomically (create, delete, define)', () => {
    expect(s.startsWith('table ip berth\ndelete table ip berth\ntable ip berth {\n')).toBe(true);
  });
  it('lists every bridge, pairs each with itself (traffic within a network), marks internal ones', () => {
    expect(s).toContain('set bridges { type ifname; elements = { "berth0", "br-0123456789ab", "br-nomasq" }; }');
    expect(s).toContain('"berth0" . "berth0", "br-0123456789ab" . "br-0123456789ab"');
    expect(s).toContain('set internal { type ifname; elements = { "br-0123456789ab" }; }');
  });
  it('masquerades non-internal networks that allow it, and loopback sources reaching a bridge', () => {
    expect(s).toContain('set masq { type ipv4_addr; flags interval; elements = { 172.17.0.0/16 }; }');
    expect(s).toContain('ip saddr @masq oifname != @bridges masquerade');
    expect(s).toContain('ip saddr 127.0.0.0/8 oifname @bridges masquerade');
  });
  it('DNATs published ports: any local address, or one address', () => {
    expect(s).toContain('map tcp_any { type inet_service : ipv4_addr . inet_service; elements = { 8080 : 172.17.0.2 . 80 }; }');
    expect(s).toContain('map udp_ip { type ipv4_addr . inet_service : ipv4_addr . inet_service; elements = { 127.0.0.1 . 5353 : 172.17.0.3 . 53 }; }');
    expect(s).toContain('fib daddr type local jump ports');
  });
  it('isolates networks from each other and internal ones from everything, after letting DNATed flows in', () => {
    const fwd = s.slice(s.indexOf('chain forward'));
    const order = ['iifname . oifname @noicc ct status & dnat == 0 drop', 'iifname . oifname @same accept', 'ct status dnat', 'iifname @internal drop', 'oifname @internal drop', 'iifname @bridges oifname @bridges drop'].map((x) => fwd.indexOf(x));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });
});

describe('nftScript, enable_icc=false', () => {
  it('drops traffic between two containers of that network only (not DNATed flows), before traffic within a network passes', () => {
    const s = nftScript({ ...state, networks: [...state.networks, { bridge: 'br-noicc', subnet: '172.20.0.0/16', internal: false, masquerade: true, icc: false }] });
    expect(s).toContain('set noicc { type ifname . ifname; elements = { "br-noicc" . "br-noicc" }; }');
    expect(s).toContain('iifname . oifname @noicc ct status & dnat == 0 drop');
    expect(nftScript(state)).toContain('set noicc { type ifname . ifname; }');
  });
});

describe('Firewall', () => {
  it('applies only when the script changes, and removes the table only when it made one', async () => {
    const applied: string[] = [];
    const fw = new Firewall(async (s) => {
      applied.push(s);
    });
    await fw.sync({ networks: [], ports: [] });
    expect(applied).toHaveLength(0);
    await fw.sync(state);
    await fw.sync(state);
    expect(applied).toHaveLength(1);
    await fw.sync({ networks: [], ports: [] });
    expect(applied[1]).toBe('table ip berth\ndelete table ip berth\n');
    await fw.sync({ networks: [], ports: [] });
    expect(applied).toHaveLength(2);
  });
});

describe('nftPortDiffScript', () => {
  it('turns a start or a stop into element additions and deletions', () => {
    const p80 = { proto: 'tcp' as const, hostIp: '0.0.0.0', hostPort: 8080, containerIp: '172.17.0.2', containerPort: 80 };
    const p53 = { proto: 'udp' as const, hostIp: '127.0.0.1', hostPort: 5353, containerIp: '172.17.0.3', containerPort: 53 };
    expect(nftPortDiffScript([], [p80, p53])).toBe(
      'add element ip berth tcp_any { 8080 : 172.17.0.2 . 80 }\nadd element ip berth udp_ip { 127.0.0.1 . 5353 : 172.17.0.3 . 53 }\n',
    );
    expect(nftPortDiffScript([p80, p53], [p53])).toBe('delete element ip berth tcp_any { 8080 }\n');
    expect(nftPortDiffScript([p80], [{ ...p80, containerIp: '172.17.0.9' }])).toBe('delete element ip berth tcp_any { 8080 }\nadd element ip berth tcp_any { 8080 : 172.17.0.9 . 80 }\n');
    expect(nftPortDiffScript([p80], [p80])).toBe('');
  });
});

describe('Firewall diffs', () => {
  it('writes the whole table for network changes, elements for port changes, the whole table again after a failed diff', async () => {
    const applied: string[] = [];
    let fail = false;
    const fw = new Firewall(async (s) => {
      applied.push(s);
      if (fail && s.startsWith('add element')) throw new Error('no such table');
    });
    const nets = [state.networks[0]!];
    await fw.sync({ networks: nets, ports: [] });
    await fw.sync({ networks: nets, ports: [state.ports[0]!] });
    expect(applied[1]).toBe('add element ip berth tcp_any { 8080 : 172.17.0.2 . 80 }\n');
    await fw.sync({ networks: state.networks, ports: [state.ports[0]!] });
    expect(applied[2]!.startsWith('table ip berth\n')).toBe(true);
    fail = true;
    await fw.sync({ networks: state.networks, ports: state.ports });
    expect(applied[3]!.startsWith('add element')).toBe(true);
    expect(applied[4]!.startsWith('table ip berth\n')).toBe(true);
    expect(applied[4]).toContain('127.0.0.1 . 5353');
  });
});
