/**
 * Networking (issue 9), end to end with the real docker CLI. berthd runs inside a network
 * namespace this file creates (network safety): bridges, veths, nft rules and published ports
 * live there, and all test traffic goes to loopback or addresses inside namespaces made here.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { BerthDaemon, NetNs, busyboxRootfsTar, clientsFor, expectExit, failed, ok, scratchDir, waitFor } from './harness';

let ns: NetNs;
let outside: NetNs | undefined;
let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;
const helpers: ChildProcess[] = [];

/** busybox httpd serving `text` on port 80 in the container, in the foreground. */
const HTTPD = (text: string): string[] => ['sh', '-c', `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`];

/**
 * `wget -qO- URL` in a container, killed after `seconds`: under sh, since a `timeout` run as the
 * container's init would exec wget as PID 1, which ignores the SIGTERM.
 */
const bounded = (seconds: number, url: string): string[] => ['sh', '-c', `timeout ${seconds} wget -qO- ${url}; exit $?`];

/** From berthd's namespace (the "host" of these containers): GET a URL, bounded in time. */
function hostGet(url: string, seconds = 5) {
  return ns.exec('timeout', [String(seconds), 'busybox', 'wget', '-qO-', url]);
}

interface NetInspect {
  State: { Running: boolean; Status: string; Pid: number };
  HostConfig: { NetworkMode: string; Links: string[] | null; PortBindings: Record<string, { HostIp: string; HostPort: string }[]> };
  NetworkSettings: {
    IPAddress: string;
    Gateway: string;
    MacAddress: string;
    IPPrefixLen: number;
    SandboxKey: string;
    Ports: Record<string, { HostIp: string; HostPort: string }[] | null>;
    Networks: Record<string, { IPAddress: string; Gateway: string; MacAddress: string; NetworkID: string; EndpointID: string; Aliases: string[] | null; IPPrefixLen: number }>;
  };
}

async function inspect(ref: string): Promise<NetInspect> {
  return JSON.parse(ok(await c.docker(['inspect', '--type', 'container', ref])).stdout)[0];
}

/** A raw Engine API call on berthd's socket (a versioned path): status and parsed body. */
function api(method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const r = http.request({ socketPath: d.socketPath, method, path: urlPath, headers: data ? { 'Content-Type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    r.on('error', reject);
    r.end(data);
  });
}

/** Waits until a URL answers from berthd's namespace (a server in a container just started). */
async function untilServed(url: string): Promise<string> {
  let body = '';
  await waitFor(`${url} to answer`, async () => {
    const r = await hostGet(url, 2);
    body = r.stdout;
    return r.code === 0;
  }, 10_000);
  return body;
}

beforeAll(async () => {
  ns = NetNs.create('net');
  d = await BerthDaemon.start({ netns: ns });
  c = clientsFor(d);
  ok(await c.docker(['import', busyboxRootfsTar(), 'busybox:latest']));
}, 120_000);

afterAll(async () => {
  for (const h of helpers) h.kill('SIGKILL');
  try {
    await d?.dispose();
  } finally {
    outside?.delete();
    ns?.delete();
  }
}, 120_000);

describe('the default bridge and published ports', () => {
  it('run -p 8080:80 busybox httpd answers on 127.0.0.1:8080 and on its own address; inspect, port and ps show it', async () => {
    const id = ok(await c.docker(['run', '-d', '--name', 'web1', '-p', '8080:80', 'busybox', ...HTTPD('hello-8080')])).stdout.trim();
    expect(await untilServed('http://127.0.0.1:8080/')).toBe('hello-8080\n');
    const i = await inspect('web1');
    expect(i.NetworkSettings.IPAddress).toMatch(/^172\.17\.\d+\.\d+$/);
    expect(i.NetworkSettings.Gateway).toBe('172.17.0.1');
    expect(i.NetworkSettings.IPPrefixLen).toBe(16);
    expect(i.NetworkSettings.MacAddress).toMatch(/^02:42(:[0-9a-f]{2}){4}$/);
    expect(Object.keys(i.NetworkSettings.Networks)).toEqual(['bridge']);
    expect(i.NetworkSettings.Networks.bridge).toMatchObject({ IPAddress: i.NetworkSettings.IPAddress, Gateway: '172.17.0.1' });
    expect(i.NetworkSettings.Networks.bridge.EndpointID).toMatch(/^[0-9a-f]{64}$/);
    expect(i.NetworkSettings.Ports['80/tcp']).toContainEqual({ HostIp: '0.0.0.0', HostPort: '8080' });
    expect(i.HostConfig.PortBindings).toEqual({ '80/tcp': [{ HostIp: '', HostPort: '8080' }] });
    expect((await hostGet(`http://${i.NetworkSettings.IPAddress}/`)).stdout).toBe('hello-8080\n');
    expect(ok(await c.docker(['port', 'web1'])).stdout).toContain('80/tcp -> 0.0.0.0:8080');
    expect(ok(await c.docker(['port', 'web1', '80'])).stdout).toContain('0.0.0.0:8080');
    const ps = ok(await c.docker(['ps', '--filter', `id=${id}`, '--format', '{{.Ports}}'])).stdout;
    expect(ps).toContain('0.0.0.0:8080->80/tcp');
  });

  it('-p CTR picks a free host port; -P publishes the exposed ports; udp too', async () => {
    ok(await c.docker(['run', '-d', '--name', 'web2', '-p', '80', '-p', '5353:53/udp', '--expose', '81', '-P', 'busybox', ...HTTPD('free-port')]));
    const i = await inspect('web2');
    const hp = i.NetworkSettings.Ports['80/tcp']![0]!.HostPort;
    expect(Number(hp)).toBeGreaterThan(1024);
    expect(i.NetworkSettings.Ports['53/udp']).toContainEqual({ HostIp: '0.0.0.0', HostPort: '5353' });
    expect(Number(i.NetworkSettings.Ports['81/tcp']?.[0]?.HostPort)).toBeGreaterThan(1024);
    expect(await untilServed(`http://127.0.0.1:${hp}/`)).toBe('free-port\n');
    expect(ok(await c.docker(['port', 'web2', '53/udp'])).stdout).toContain('0.0.0.0:5353');
  });

  it('a host port that is taken gives Docker\'s error and leaves nothing half-made', async () => {
    const before = ns.links();
    const r = expectExit(await c.docker(['run', '-d', '--name', 'clash', '-p', '8080:80', 'busybox', 'sleep', '30']), 125);
    expect(r.stderr).toMatch(/driver failed programming external connectivity on endpoint clash \([0-9a-f]+\)/);
    expect(r.stderr).toMatch(/8080/);
    expect(r.stderr).toMatch(/port is already allocated|address already in use/);
    expect((await inspect('clash')).State.Running).toBe(false);
    expect(ns.links().sort()).toEqual(before.sort());
    ok(await c.docker(['rm', 'clash']));
    // the first container still serves
    expect((await hostGet('http://127.0.0.1:8080/')).stdout).toBe('hello-8080\n');
  });

  it('--dns, --dns-search, --dns-option, --add-host (host-gateway), and hosts naming the container\'s own address', async () => {
    const out = ok(
      await c.docker([
        'run', '--rm', '--hostname', 'box1', '--dns', '10.9.9.9', '--dns-search', 'example.test', '--dns-option', 'ndots:2',
        '--add-host', 'foo:1.2.3.4', '--add-host', 'gw:host-gateway', 'busybox', 'sh', '-c', 'cat /etc/resolv.conf; echo ---; cat /etc/hosts; echo ---; ip -4 -o addr show eth0',
      ]),
    ).stdout;
    const [resolv, hosts, addr] = out.split('---\n');
    expect(resolv).toMatch(/^nameserver 10\.9\.9\.9$/m);
    expect(resolv).toMatch(/^search example\.test$/m);
    expect(resolv).toMatch(/^options ndots:2$/m);
    expect(hosts).toMatch(/^1\.2\.3\.4\s+foo$/m);
    expect(hosts).toMatch(/^172\.17\.0\.1\s+gw$/m);
    const ip = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(addr!)?.[1];
    expect(ip).toMatch(/^172\.17\./);
    expect(hosts).toMatch(new RegExp(`^${ip!.replace(/\./g, '\\.')}\\s+box1$`, 'm'));
  });

  it('--link (legacy): the linked container by its alias in /etc/hosts; Links round-trips', async () => {
    const web = await inspect('web1');
    const out = ok(await c.docker(['run', '--name', 'linker', '--link', 'web1:w', 'busybox', 'sh', '-c', 'grep -w w /etc/hosts; wget -qO- http://w/'])).stdout;
    expect(out).toContain(web.NetworkSettings.IPAddress);
    expect(out).toContain('hello-8080');
    expect((await inspect('linker')).HostConfig.Links).toEqual(['/web1:/linker/w']);
    ok(await c.docker(['rm', 'linker']));
  });

  it('--network container:NAME, --pid container:NAME share the namespaces of a running container', async () => {
    expect(ok(await c.docker(['run', '--rm', '--network', 'container:web1', 'busybox', 'wget', '-qO-', 'http://127.0.0.1/'])).stdout).toBe('hello-8080\n');
    expect(ok(await c.docker(['run', '--rm', '--pid', 'container:web1', 'busybox', 'ps'])).stdout).toMatch(/httpd/);
    ok(await c.docker(['run', '-d', '--name', 'ipcdonor', '--ipc', 'shareable', 'busybox', 'sleep', '60']));
    ok(await c.docker(['run', '--rm', '--ipc', 'container:ipcdonor', 'busybox', 'true']));
    const r = failed(await c.docker(['run', '--rm', '--network', 'container:nosuch', 'busybox', 'true']));
    expect(r.stderr).toContain('No such container: nosuch');
    expect(r.stderr).not.toContain('Unable to find image');
    ok(await c.docker(['rm', '-f', 'ipcdonor']));
    // docker: the joiner's Config.Hostname becomes the donor's at start (kept after the run)
    const donor = (await c.docker(['inspect', '-f', '{{.Config.Hostname}}', 'web1'])).stdout.trim();
    ok(await c.docker(['create', '--name', 'joiner', '--network', 'container:web1', 'busybox', 'hostname']));
    const own = (await c.docker(['inspect', '-f', '{{.Id}} {{.Config.Hostname}}', 'joiner'])).stdout.trim().split(' ');
    expect(own[1]).toBe(own[0]!.slice(0, 12));
    expect(ok(await c.docker(['start', '-a', 'joiner'])).stdout).toBe(`${donor}\n`);
    expect((await c.docker(['inspect', '-f', '{{.Config.Hostname}}', 'joiner'])).stdout.trim()).toBe(donor);
    ok(await c.docker(['rm', 'joiner']));
  });

  it('--network none has only lo; --network host is berthd\'s namespace', async () => {
    expect(ok(await c.docker(['run', '--rm', '--network', 'none', 'busybox', 'ls', '/sys/class/net'])).stdout.split(/\s+/).filter(Boolean)).toEqual(['lo']);
    const hostLinks = ok(await c.docker(['run', '--rm', '--network', 'host', 'busybox', 'ls', '/sys/class/net'])).stdout;
    expect(hostLinks).toContain('berth0');
  });
});

describe('user-defined networks', () => {
  it('containers reach each other by name and alias, and not from another network', async () => {
    ok(await c.docker(['network', 'create', '--label', 'e2e=1', 'appnet']));
    ok(await c.docker(['network', 'create', '--subnet', '10.77.0.0/24', '--gateway', '10.77.0.1', 'othernet']));
    ok(await c.docker(['run', '-d', '--name', 'api', '--network', 'appnet', '--network-alias', 'backend', 'busybox', ...HTTPD('from-api')]));
    const api = await inspect('api');
    const apiIp = api.NetworkSettings.Networks.appnet!.IPAddress;
    expect(apiIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(api.NetworkSettings.IPAddress).toBe(''); // docker: the top-level fields are the default bridge's
    await waitFor('api to serve on appnet', async () => (await c.docker(['run', '--rm', '--network', 'appnet', 'busybox', ...bounded(2, 'http://api/')])).code === 0, 10_000);
    expect(ok(await c.docker(['run', '--rm', '--network', 'appnet', 'busybox', 'wget', '-qO-', 'http://api/'])).stdout).toBe('from-api\n');
    expect(ok(await c.docker(['run', '--rm', '--network', 'appnet', 'busybox', 'wget', '-qO-', 'http://backend/'])).stdout).toBe('from-api\n');
    expect(ok(await c.docker(['run', '--rm', '--network', 'appnet', 'busybox', 'wget', '-qO-', `http://${api.NetworkSettings.Networks.appnet!.IPAddress}/`])).stdout).toBe('from-api\n');
    // from another network: the name does not resolve and the address is not reachable
    failed(await c.docker(['run', '--rm', '--network', 'othernet', 'busybox', ...bounded(2, 'http://api/')]));
    failed(await c.docker(['run', '--rm', '--network', 'othernet', 'busybox', ...bounded(2, `http://${apiIp}/`)]));
    // --ip on a network with a subnet
    const fixed = ok(await c.docker(['run', '--rm', '--network', 'othernet', '--ip', '10.77.0.50', 'busybox', 'ip', '-4', '-o', 'addr', 'show', 'eth0'])).stdout;
    expect(fixed).toContain('10.77.0.50/24');
  });

  it('API 1.44/1.45 endpoint fields: DNSNames, Aliases without the short id, per-endpoint MacAddress', async () => {
    const id = ok(await c.docker(['inspect', '-f', '{{.Id}}', 'api'])).stdout.trim();
    const short = id.slice(0, 12);
    const v145 = (await api('GET', '/v1.45/containers/api/json')).body.NetworkSettings.Networks.appnet;
    expect(v145.Aliases).toEqual(['backend']);
    expect(v145.DNSNames).toEqual(['api', 'backend', short]);
    const v144 = (await api('GET', '/v1.44/containers/api/json')).body.NetworkSettings.Networks.appnet;
    expect(v144.Aliases).toEqual(['backend', short]);
    expect(v144.DNSNames).toEqual(['api', 'backend', short]);
    const v141 = (await api('GET', '/v1.41/containers/api/json')).body.NetworkSettings.Networks.appnet;
    expect(v141.Aliases).toEqual(['backend', short]);
    expect(v141).not.toHaveProperty('DNSNames');
    // the docker CLI (API 1.45 here) sends --mac-address in the endpoint's settings
    const mac = ok(await c.docker(['run', '--rm', '--network', 'appnet', '--mac-address', '02:42:0a:00:00:99', 'busybox', 'cat', '/sys/class/net/eth0/address'])).stdout;
    expect(mac).toBe('02:42:0a:00:00:99\n');
    const create = (version: string, body: object) =>
      api('POST', `/${version}/containers/create`, { Image: 'busybox', Cmd: ['cat', '/sys/class/net/eth0/address'], HostConfig: { NetworkMode: 'appnet' }, ...body });
    const eps = { NetworkingConfig: { EndpointsConfig: { appnet: { MacAddress: '02:42:0a:00:00:98' } } } };
    const a = await create('v1.44', eps);
    expect(a.status).toBe(201);
    const b = await create('v1.43', eps);
    expect(b.status).toBe(201);
    expect(ok(await c.docker(['start', '-a', a.body.Id])).stdout).toBe('02:42:0a:00:00:98\n');
    // before 1.44 the endpoint's MacAddress is ignored (docker's generated one)
    expect(ok(await c.docker(['start', '-a', b.body.Id])).stdout).not.toBe('02:42:0a:00:00:98\n');
    const conflict = await create('v1.44', { MacAddress: '02:42:0a:00:00:97', ...eps });
    expect(conflict.status).toBe(400);
    expect(conflict.body.message).toContain('the container-wide MAC address must match the endpoint-specific MAC address for the main network, or be left empty');
    ok(await c.docker(['rm', '-f', a.body.Id, b.body.Id]));
  });

  it('network ls, inspect (with its containers), filters, and rm refused while in use', async () => {
    const ls = ok(await c.docker(['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}'])).stdout;
    for (const l of ['bridge bridge local', 'host host local', 'none null local', 'appnet bridge local', 'othernet bridge local']) expect(ls).toContain(l);
    expect(ok(await c.docker(['network', 'ls', '-q', '--filter', 'label=e2e=1'])).stdout.trim().split('\n')).toHaveLength(1);
    const net = JSON.parse(ok(await c.docker(['network', 'inspect', 'othernet'])).stdout)[0];
    expect(net.IPAM.Config).toEqual([{ Subnet: '10.77.0.0/24', Gateway: '10.77.0.1' }]);
    const app = JSON.parse(ok(await c.docker(['network', 'inspect', 'appnet'])).stdout)[0];
    const api = await inspect('api');
    expect(Object.values(app.Containers as Record<string, { Name: string; IPv4Address: string }>)).toContainEqual(
      expect.objectContaining({ Name: 'api', IPv4Address: `${api.NetworkSettings.Networks.appnet!.IPAddress}/${api.NetworkSettings.Networks.appnet!.IPPrefixLen}` }),
    );
    const r = failed(await c.docker(['network', 'rm', 'appnet']));
    expect(r.stderr).toMatch(/has active endpoints/);
  });

  it('connect and disconnect take effect on a running container (with an alias); a created one keeps them for its start', async () => {
    ok(await c.docker(['run', '-d', '--name', 'lone', '--network', 'othernet', 'busybox', 'sleep', '300']));
    failed(await c.docker(['exec', 'lone', 'timeout', '2', 'wget', '-qO-', 'http://api/']));
    ok(await c.docker(['network', 'connect', '--alias', 'solo', 'appnet', 'lone']));
    expect(ok(await c.docker(['exec', 'lone', 'wget', '-qO-', 'http://api/'])).stdout).toBe('from-api\n');
    expect(Object.keys((await inspect('lone')).NetworkSettings.Networks).sort()).toEqual(['appnet', 'othernet']);
    expect(ok(await c.docker(['run', '--rm', '--network', 'appnet', 'busybox', 'nslookup', 'solo'])).stdout).toMatch(/Address.*\d+\.\d+\.\d+\.\d+/);
    ok(await c.docker(['network', 'disconnect', 'appnet', 'lone']));
    failed(await c.docker(['exec', 'lone', 'timeout', '2', 'wget', '-qO-', 'http://api/']));
    expect(Object.keys((await inspect('lone')).NetworkSettings.Networks)).toEqual(['othernet']);
    ok(await c.docker(['rm', '-f', 'lone']));

    ok(await c.docker(['create', '--name', 'later', '--network', 'othernet', 'busybox', 'wget', '-qO-', 'http://api/']));
    ok(await c.docker(['network', 'connect', 'appnet', 'later']));
    expect(Object.keys((await inspect('later')).NetworkSettings.Networks).sort()).toEqual(['appnet', 'othernet']);
    expect(ok(await c.docker(['start', '-a', 'later'])).stdout).toBe('from-api\n');
    // stopped: docker keeps the networks, with empty addresses
    const stopped = await inspect('later');
    expect(stopped.NetworkSettings.Networks.appnet).toMatchObject({ IPAddress: '', EndpointID: '' });
    expect(stopped.NetworkSettings.Networks.appnet!.NetworkID).toMatch(/^[0-9a-f]{64}$/);
    ok(await c.docker(['rm', 'later']));
  });

  it('an unknown network fails the start with docker\'s 404, never "Unable to find image"', async () => {
    const r = expectExit(await c.docker(['run', '--rm', '--network', 'nosuchnet', 'busybox', 'true']), 125);
    expect(r.stderr).toContain('network nosuchnet not found');
    expect(r.stderr).not.toContain('Unable to find image');
  });

  it('--internal: containers cannot reach beyond their network; a normal network can', async () => {
    // "outside": a second namespace of this file, joined to berthd's by a veth, serving HTTP
    outside = NetNs.create('out');
    ns.execSync('ip', ['link', 'add', 'e2eout0', 'type', 'veth', 'peer', 'name', 'e2eout1', 'netns', outside.name]);
    ns.execSync('ip', ['addr', 'add', '10.250.0.1/24', 'dev', 'e2eout0']);
    ns.execSync('ip', ['link', 'set', 'e2eout0', 'up']);
    outside.execSync('ip', ['addr', 'add', '10.250.0.2/24', 'dev', 'e2eout1']);
    outside.execSync('ip', ['link', 'set', 'e2eout1', 'up']);
    const www = scratchDir('outside-www');
    fs.writeFileSync(path.join(www, 'index.html'), 'outside\n');
    helpers.push(spawn('nsenter', [`--net=${outside.path}`, '--', 'busybox', 'httpd', '-f', '-p', '10.250.0.2:8000', '-h', www], { stdio: 'ignore' }));
    await waitFor('the outside server', async () => (await hostGet('http://10.250.0.2:8000/', 2)).code === 0, 10_000);
    expect(ok(await c.docker(['run', '--rm', '--network', 'appnet', 'busybox', 'wget', '-qO-', 'http://10.250.0.2:8000/'])).stdout).toBe('outside\n');
    ok(await c.docker(['network', 'create', '--internal', 'sealed']));
    failed(await c.docker(['run', '--rm', '--network', 'sealed', 'busybox', ...bounded(2, 'http://10.250.0.2:8000/')]));
    ok(await c.docker(['network', 'rm', 'sealed']));
  });

  it('enable_icc=false: containers of that network cannot reach each other, and still reach the gateway and the outside', async () => {
    expect(outside).toBeDefined(); // the outside server of the test above
    ok(await c.docker(['network', 'create', '-o', 'com.docker.network.bridge.enable_icc=false', 'quiet']));
    ok(await c.docker(['run', '-d', '--name', 'q1', '--network', 'quiet', 'busybox', ...HTTPD('q1-here')]));
    try {
      const { IPAddress: ip, Gateway: gw } = (await inspect('q1')).NetworkSettings.Networks.quiet!;
      // it serves: from berthd's namespace (through the bridge, not between two of its ports)
      expect(await untilServed(`http://${ip}/`)).toBe('q1-here\n');
      // not from a peer on the same network, by address or by name (the DNS on the gateway answers)
      failed(await c.docker(['run', '--rm', '--network', 'quiet', 'busybox', ...bounded(2, `http://${ip}/`)]));
      failed(await c.docker(['run', '--rm', '--network', 'quiet', 'busybox', ...bounded(2, 'http://q1/')]));
      const peer = ok(await c.docker(['run', '--rm', '--network', 'quiet', 'busybox', 'sh', '-c', `nslookup q1 ${gw} && ping -c 1 -W 2 ${gw} && timeout 3 wget -qO- http://10.250.0.2:8000/`])).stdout;
      expect(peer).toContain(ip);
      expect(peer).toContain('outside\n');
      // a network with icc on (the default) lets the same peer in
      ok(await c.docker(['network', 'connect', 'appnet', 'q1']));
      const ip2 = (await inspect('q1')).NetworkSettings.Networks.appnet!.IPAddress;
      expect(ok(await c.docker(['run', '--rm', '--network', 'appnet', 'busybox', ...bounded(5, `http://${ip2}/`)])).stdout).toBe('q1-here\n');
    } finally {
      await c.docker(['rm', '-f', 'q1']);
      await c.docker(['network', 'rm', 'quiet']);
    }
  });

  it('IPv6 on a user network: addresses in inspect, --ip6, ping and AAAA between containers', async () => {
    ok(await c.docker(['network', 'create', '--ipv6', '--subnet', '10.78.0.0/24', '--subnet', 'fd00:78::/64', 'sixnet']));
    ok(await c.docker(['run', '-d', '--name', 'six1', '--network', 'sixnet', '--ip6', 'fd00:78::50', 'busybox', 'sleep', '300']));
    const ep = (await api('GET', '/v1.41/containers/six1/json')).body.NetworkSettings.Networks.sixnet;
    expect(ep).toMatchObject({ GlobalIPv6Address: 'fd00:78::50', GlobalIPv6PrefixLen: 64 });
    expect(ep.IPv6Gateway).toMatch(/^fd00:78::/);
    const out = ok(await c.docker(['run', '--rm', '--network', 'sixnet', 'busybox', 'sh', '-c', 'ip -6 addr show eth0; ping -6 -c 1 -W 5 fd00:78::50'])).stdout;
    expect(out).toMatch(/inet6 fd00:78::[0-9a-f:]+\/64/);
    expect(out).toContain('1 packets received');
    const aaaa = ok(await c.docker(['run', '--rm', '--network', 'sixnet', 'busybox', 'nslookup', '-type=AAAA', 'six1'])).stdout;
    expect(aaaa).toMatch(/Name:\s+six1[\s\S]*Address:\s+fd00:78::50/);
    ok(await c.docker(['rm', '-f', 'six1']));
    ok(await c.docker(['network', 'rm', 'sixnet']));
  });

  it('network events: create, connect, disconnect, destroy', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    ok(await c.docker(['network', 'create', 'evnet']));
    ok(await c.docker(['run', '--rm', '--network', 'evnet', 'busybox', 'true']));
    ok(await c.docker(['network', 'rm', 'evnet']));
    const until = Math.floor(Date.now() / 1000) + 1;
    const ev = ok(await c.docker(['events', '--since', String(since), '--until', String(until), '--filter', 'type=network', '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}'])).stdout;
    const lines = ev.trim().split('\n');
    expect(lines).toEqual(expect.arrayContaining(['network create evnet', 'network connect evnet', 'network disconnect evnet', 'network destroy evnet']));
  });
});

describe('berth network and berth port', () => {
  it('create with IPAM flags, ls, inspect, connect/disconnect, rm, prune; port', async () => {
    const id = ok(await c.berth(['network', 'create', '--subnet', '10.66.0.0/24', '--gateway', '10.66.0.1', '--ip-range', '10.66.0.128/25', '--label', 'by=berth', 'bnet'])).stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const net = JSON.parse(ok(await c.docker(['network', 'inspect', 'bnet'])).stdout)[0];
    expect(net.IPAM.Config).toEqual([{ Subnet: '10.66.0.0/24', IPRange: '10.66.0.128/25', Gateway: '10.66.0.1' }]);
    expect(net.Labels).toEqual({ by: 'berth' });
    expect(ok(await c.berth(['network', 'ls', '--filter', 'name=bnet', '--format', '{{.Name}} {{.Driver}}'])).stdout).toBe('bnet bridge\n');
    ok(await c.docker(['run', '-d', '--name', 'bweb', '-p', '127.0.0.1:8282:80', 'busybox', ...HTTPD('b')]));
    ok(await c.berth(['network', 'connect', '--alias', 'bw', 'bnet', 'bweb']));
    const ip = (await inspect('bweb')).NetworkSettings.Networks.bnet!.IPAddress;
    expect(ip).toMatch(/^10\.66\.0\.(1[2-9]\d|2\d\d)$/);
    expect(ok(await c.berth(['port', 'bweb'])).stdout).toBe('80/tcp -> 127.0.0.1:8282\n');
    expect(ok(await c.docker(['port', 'bweb'])).stdout).toBe('80/tcp -> 127.0.0.1:8282\n');
    ok(await c.berth(['network', 'disconnect', 'bnet', 'bweb']));
    expect(Object.keys((await inspect('bweb')).NetworkSettings.Networks)).toEqual(['bridge']);
    ok(await c.docker(['rm', '-f', 'bweb']));
    ok(await c.berth(['network', 'create', 'unused1']));
    const pr = ok(await c.berth(['network', 'prune', '-f', '--filter', 'label=by=berth'])).stdout;
    expect(pr).toBe('Deleted Networks:\nbnet\n\n');
    expect(ok(await c.berth(['network', 'rm', 'unused1'])).stdout).toBe('unused1\n');
  });
});

describe('faults', () => {
  it('kill -9 of berthd with a published container: after a restart it is still reachable; removal leaves no veth, netns file or rule', async () => {
    ok(await c.docker(['run', '-d', '--name', 'survivor', '-p', '8181:80', '--network', 'appnet', 'busybox', ...HTTPD('still-here')]));
    expect(await untilServed('http://127.0.0.1:8181/')).toBe('still-here\n');
    const linksWith = ns.links();
    await d.kill9();
    await d.restart();
    expect((await inspect('survivor')).State.Running).toBe(true);
    expect(await untilServed('http://127.0.0.1:8181/')).toBe('still-here\n');
    // the names still resolve on the network after the restart
    expect(ok(await c.docker(['run', '--rm', '--network', 'appnet', 'busybox', 'wget', '-qO-', 'http://survivor/'])).stdout).toBe('still-here\n');
    expect(ns.links().sort()).toEqual(linksWith.sort());
    // everything else goes: the containers, their veths, the networks, their rules
    for (const n of ['survivor', 'web1', 'web2', 'api']) ok(await c.docker(['rm', '-f', n]));
    ok(await c.docker(['network', 'rm', 'appnet', 'othernet']));
    failed(await hostGet('http://127.0.0.1:8181/', 2));
    failed(await hostGet('http://127.0.0.1:8080/', 2));
    const left = ns.links().filter((l) => l.startsWith('veth') || l.startsWith('br-'));
    expect(left).toEqual([]);
    const netnsDir = path.join(d.execRoot!, 'network');
    const files = fs.existsSync(netnsDir) ? fs.readdirSync(netnsDir, { recursive: true }).map(String).filter((f) => /[0-9a-f]{12}/.test(f)) : [];
    expect(fs.existsSync(path.join(d.dataRoot, 'network'))).toBe(false);
    expect(files).toEqual([]);
    const rules = ns.nftRuleset();
    expect(rules).not.toMatch(/8181|8080/);
  }, 90_000);
});
