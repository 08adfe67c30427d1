import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Database } from '@berth/sqlite';
import type { NetworkEvent, NetworkManager } from './network-manager';
import { openNetworkManager } from './open-network-manager';
import { FakeHostNet } from './test-support';

const C1 = '1'.repeat(64);
const C2 = '2'.repeat(64);

describe('network manager (fake host)', () => {
  let dir: string;
  let db: Database;
  let host: FakeHostNet;
  let scripts: string[];
  let events: NetworkEvent[];
  let m: NetworkManager;
  const open = () =>
    openNetworkManager(
      { db, stateDir: path.join(dir, 'network'), hostResolvConf: path.join(dir, 'resolv.conf'), onEvent: (e) => events.push(e), defaultBridge: { bip: '10.123.0.1/24' } },
      { host, applyFirewall: async (s) => void scripts.push(s) },
    );
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-net-'));
    await fs.writeFile(path.join(dir, 'resolv.conf'), 'nameserver 127.0.0.53\nnameserver 10.0.0.2\n');
    db = await Database.open(path.join(dir, 'berth.db'));
    host = new FakeHostNet();
    scripts = [];
    events = [];
    m = await open();
  });
  afterEach(async () => {
    await m.close();
    await db.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('has the predefined networks, in docker order, with stable ids across a reopen', async () => {
    const list = await m.catalog.list();
    expect(list.map((n) => `${n.name}/${n.driver}`)).toEqual(['none/null', 'host/host', 'bridge/bridge']);
    const bridge = list[2]!;
    expect(bridge.ipamConfigs).toEqual([{ subnet: '10.123.0.0/24', gateway: '10.123.0.1' }]);
    expect(bridge.options['com.docker.network.bridge.name']).toBe('berth0');
    expect(host.bridges.get('berth0')?.address).toBe('10.123.0.1/24');
    await m.close();
    m = await open();
    expect((await m.catalog.list()).map((n) => n.id)).toEqual(list.map((n) => n.id));
    await expect(m.catalog.remove('bridge')).rejects.toThrow('bridge is a pre-defined network and cannot be removed');
  });

  it('creates, finds, filters, inspects and removes user networks with docker errors', async () => {
    const Id = await m.catalog.create({ name: 'front', labels: { tier: 'web' } });
    const r = await m.catalog.inspect('front');
    expect(r.ipamConfigs).toEqual([{ subnet: '172.17.0.0/16', gateway: '172.17.0.1' }]);
    expect(r).toMatchObject({ id: Id, name: 'front', driver: 'bridge', predefined: false, labels: { tier: 'web' }, endpoints: [] });
    expect(host.bridges.has(`br-${Id.slice(0, 12)}`)).toBe(true);
    await expect(m.catalog.create({ name: 'front' })).rejects.toThrow('network with name front already exists');
    await expect(m.catalog.create({ name: 'x', driver: 'overlay' })).rejects.toMatchObject({ code: 'NOT_IMPLEMENTED' });
    await expect(m.catalog.create({ name: 'x', options: { 'com.docker.network.bridge.name': 'berth0' } })).rejects.toThrow('bridge berth0 is used by another network');
    host.bridges.set('eth9', { name: 'eth9', address: '', mtu: 1500 });
    await expect(m.catalog.create({ name: 'x', options: { 'com.docker.network.bridge.name': 'eth9' } })).rejects.toThrow('an interface of that name exists already');
    host.bridges.delete('eth9');
    await expect(m.catalog.create({ name: 'x', driver: 'weird' })).rejects.toThrow('plugin "weird" not found');
    await expect(m.catalog.create({ name: 'x', ipamConfigs: [{ subnet: '172.17.5.0/24' }] })).rejects.toThrow('Pool overlaps');
    await expect(m.catalog.create({ name: 'x', enableIPv6: true })).rejects.toThrow('could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network');
    await expect(m.catalog.create({ name: 'x', ipamConfigs: [{ subnet: 'fd00::/64' }] })).rejects.toThrow('an IPv6 subnet needs EnableIPv6');
    await m.catalog.create({ name: 'v6', enableIPv6: true, ipamConfigs: [{ subnet: 'fd00:9::/64' }] });
    expect((await m.catalog.inspect('v6')).ipamConfigs).toEqual([{ subnet: '172.18.0.0/16', gateway: '172.18.0.1' }, { subnet: 'fd00:9::/64', gateway: 'fd00:9::1' }]);
    expect([...host.bridges.values()].find((b) => b.address6)?.address6).toBe('fd00:9::1/64');
    await expect(m.catalog.create({ name: 'y', enableIPv6: true, ipamConfigs: [{ subnet: 'fd00:9:0:0:1::/80' }] })).rejects.toThrow('Pool overlaps');
    await m.catalog.remove('v6');
    await m.catalog.create({ name: 'back', internal: true, ipamConfigs: [{ subnet: '10.50.0.0/24', gateway: '10.50.0.254', ipRange: '10.50.0.128/25' }] });
    expect((await m.catalog.find(Id.slice(0, 5))).name).toBe('front');
    await expect(m.catalog.find('nope')).rejects.toThrow('network nope not found');
    expect((await m.catalog.list()).filter((n) => !n.predefined).map((n) => n.name)).toEqual(['front', 'back']);
    const back = await m.catalog.inspect('back');
    expect(back.internal).toBe(true);
    expect(back.ipamConfigs).toEqual([{ subnet: '10.50.0.0/24', ipRange: '10.50.0.128/25', gateway: '10.50.0.254' }]);
    expect(scripts.at(-1)).toContain('set internal { type ifname; elements = {');
    await m.catalog.remove('front');
    expect(host.bridges.has(`br-${Id.slice(0, 12)}`)).toBe(false);
    expect(await m.catalog.prune((n) => n.name !== 'back')).toEqual([]);
    expect(await m.catalog.prune(() => true)).toEqual(['back']);
    expect(events.map((e) => `${e.action}:${e.attributes.name}`)).toEqual(['create:front', 'create:v6', 'destroy:v6', 'create:back', 'destroy:front', 'destroy:back']);
  });

  it('attaches a container: addresses, veths, files, settings; detach gives everything back', async () => {
    await m.catalog.create({ name: 'app', ipamConfigs: [{ subnet: '10.60.0.0/24' }] });
    const s = await m.attacher.attach({
      containerId: C1,
      name: 'web',
      hostname: '111111111111',
      endpoints: [{ network: 'bridge' }, { network: 'app', aliases: ['www'], ipv4Address: '10.60.0.10' }],
      extraHosts: ['gw:host-gateway'],
      dns: ['9.9.9.9'],
    });
    expect(s.netnsPath).toBe(path.join(dir, 'network', 'netns', C1));
    expect(host.netns.has(s.netnsPath)).toBe(true);
    const veths = [...host.veths.values()];
    expect(veths.map((v) => [v.ifname, v.address, v.gateway])).toEqual([
      ['eth0', '10.123.0.2/24', '10.123.0.1'],
      ['eth1', '10.60.0.10/24', undefined],
    ]);
    const [bridgeEp, appEp] = s.attachment.endpoints;
    expect(bridgeEp).toMatchObject({ network: 'bridge', defaultBridge: true, ipv4: '10.123.0.2', prefixLen: 24, gateway: '10.123.0.1', mac: '02:42:0a:7b:00:02', aliases: null, requested: null });
    expect(appEp).toMatchObject({ network: 'app', defaultBridge: false, ipv4: '10.60.0.10', aliases: ['www', C1.slice(0, 12)], requested: { ipv4: '10.60.0.10' } });
    expect(s.attachment.sandboxKey).toBe(s.netnsPath);
    expect(s.hosts).toContain('10.123.0.1\tgw\n');
    expect(s.hosts.endsWith('10.123.0.2\t111111111111\n')).toBe(true);
    expect(s.resolvConf).toBe('nameserver 10.60.0.1\noptions ndots:0\n');
    expect(await m.attacher.attach({ containerId: C1, name: 'web', hostname: 'x', endpoints: [{ network: 'bridge' }] })).toEqual(s);
    expect((await m.catalog.inspect('app')).endpoints).toEqual([{ containerId: C1, containerName: 'web', endpointId: expect.stringMatching(/^[0-9a-f]{64}$/), mac: expect.any(String), ipv4: '10.60.0.10/24', ipv6: '' }]);
    await expect(m.catalog.remove('app')).rejects.toThrow(/^error while removing network: network app id [0-9a-f]{64} has active endpoints$/);
    await m.attacher.detach(C1);
    await m.attacher.detach(C1);
    expect(host.netns.size).toBe(0);
    expect(host.veths.size).toBe(0);
    expect(m.attacher.attachment(C1)).toBeUndefined();
    expect(events.filter((e) => e.action !== 'create').map((e) => e.action)).toEqual(['connect', 'connect', 'disconnect', 'disconnect']);
    await m.catalog.remove('app');
  });

  it('refuses what docker refuses, leaving nothing behind', async () => {
    await expect(m.attacher.attach({ containerId: C1, name: 'a', hostname: 'a', endpoints: [{ network: 'bridge', aliases: ['x'] }] })).rejects.toThrow('network-scoped alias is supported only for containers in user defined networks');
    await expect(m.attacher.attach({ containerId: C1, name: 'a', hostname: 'a', endpoints: [{ network: 'bridge', ipv4Address: '10.123.0.9' }] })).rejects.toThrow('user specified IP address is supported on user defined networks only');
    await m.catalog.create({ name: 'auto' });
    await expect(m.attacher.attach({ containerId: C1, name: 'a', hostname: 'a', endpoints: [{ network: 'auto', ipv4Address: '172.17.0.9' }] })).rejects.toThrow('user specified IP address is supported only when connecting to networks with user configured subnets');
    await expect(m.attacher.attach({ containerId: C1, name: 'a', hostname: 'a', endpoints: [{ network: 'nonet' }] })).rejects.toThrow('network nonet not found');
    host.failAddVeth = true;
    await expect(m.attacher.attach({ containerId: C1, name: 'a', hostname: 'a', endpoints: [{ network: 'bridge' }] })).rejects.toThrow('veth: no');
    expect(host.netns.size).toBe(0);
    expect(m.attacher.attachment(C1)).toBeUndefined();
    expect(await db.all('SELECT * FROM sandboxes')).toEqual([]);
  });

  it('publishes ports on loopback, reports a taken port as docker does, frees it on detach', async () => {
    const s = await m.attacher.attach({
      containerId: C1,
      name: 'web',
      hostname: 'w',
      endpoints: [{ network: 'bridge' }],
      portBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
      exposedPorts: ['80/tcp', '443/tcp'],
    });
    expect(s.attachment.ports.map((p) => p.key)).toEqual(['80/tcp', '443/tcp']);
    const bound = s.attachment.ports[0]!.bindings;
    expect(bound).toHaveLength(1);
    expect(bound[0]!.hostIp).toBe('127.0.0.1');
    const port = bound[0]!.hostPort;
    expect(port).toBeGreaterThan(1024);
    expect(s.attachment.ports[1]!.bindings).toEqual([]);
    expect(scripts.at(-1)).toBe(`add element ip berth tcp_ip { 127.0.0.1 . ${port} : 10.123.0.2 . 80 }\n`);
    await expect(
      m.attacher.attach({ containerId: C2, name: 'other', hostname: 'o', endpoints: [{ network: 'bridge' }], portBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] } }),
    ).rejects.toThrow(new RegExp(`^driver failed programming external connectivity on endpoint other \\([0-9a-f]{64}\\): Bind for 127.0.0.1:${port} failed: port is already allocated$`));
    expect(m.attacher.attachment(C2)).toBeUndefined();
    await m.attacher.detach(C1);
    await new Promise((r) => setImmediate(r)); // a stop does not wait for the element deletion
    expect(scripts.at(-1)).toBe(`delete element ip berth tcp_ip { 127.0.0.1 . ${port} }\n`);
    const again = await m.attacher.attach({ containerId: C2, name: 'other', hostname: 'o', endpoints: [{ network: 'bridge' }], portBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] } });
    expect(again.attachment.ports).toEqual([{ key: '80/tcp', bindings: [{ hostIp: '127.0.0.1', hostPort: port }] }]);
    await m.attacher.detach(C2);
  });

  it('connects and disconnects a running container; restore keeps the running and reclaims the rest', async () => {
    await m.catalog.create({ name: 'n1', ipamConfigs: [{ subnet: '10.70.0.0/24' }] });
    await m.attacher.attach({ containerId: C1, name: 'a', hostname: 'a', endpoints: [{ network: 'bridge' }] });
    await m.attacher.attach({ containerId: C2, name: 'b', hostname: 'b', endpoints: [{ network: 'bridge' }] });
    const c = await m.attacher.connect(C1, { network: 'n1', aliases: ['alpha'] });
    expect(c.attachment.endpoints.map((e) => e.network)).toEqual(['bridge', 'n1']);
    expect([...host.veths.values()].find((v) => v.address.startsWith('10.70.'))?.ifname).toBe('eth1');
    await expect(m.attacher.connect(C1, { network: 'n1' })).rejects.toThrow('endpoint with name a already exists in network n1');
    const d = await m.attacher.disconnect(C1, 'bridge');
    expect(d.attachment.endpoints.map((e) => e.network)).toEqual(['n1']);
    expect(host.calls).toContain(`route ${d.netnsPath} 10.70.0.1`);
    await expect(m.attacher.disconnect(C1, 'bridge')).rejects.toThrow('is not connected to network bridge');
    await m.close();
    m = await open();
    expect(m.attacher.attachment(C1)?.endpoints.find((e) => e.network === 'n1')?.ipv4).toBe('10.70.0.2');
    // Neither netns is a real mount here: restore reclaims both, as after a crash.
    await m.attacher.restore([]);
    expect(m.attacher.attachment(C1)).toBeUndefined();
    expect(m.attacher.attachment(C2)).toBeUndefined();
    expect(await db.all('SELECT * FROM endpoints')).toEqual([]);
  });
});
