// Drives the built @berth/network inside a network namespace made by host-network.test.ts:
// real bridges, veths, netns files, nft rules, published ports, the embedded DNS.
// Usage: node netns-scenario.js <phase> <dir>. Prints one JSON object: what it saw.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const { execFile, spawn } = require('node:child_process');
const { Database } = require('@berth/sqlite');
const { openNetworkManager, networkSpawnCount } = require('@berth/network');

const [phase, dir] = process.argv.slice(2);
const id = (c) => c.repeat(64);
const run = (file, args, input) =>
  new Promise((resolve) => {
    const c = execFile(file, args, { timeout: 10000 }, (err, stdout, stderr) => resolve({ ok: !err, out: String(stdout), err: String(stderr) }));
    c.stdin.on('error', () => undefined);
    if (input !== undefined) c.stdin.end(input);
  });
const inNs = (netns, args, input) => run('nsenter', [`--net=${netns}`, ...args], input);
// expected to answer: a generous timeout (a loaded machine); expected to fail: a short one.
const get = (netns, ip, port, expect = true) => inNs(netns, ['busybox', 'nc', '-w', expect ? '5' : '1', ip, String(port)], 'GET /index.html HTTP/1.0\r\n\r\n');
const hostGet = (host, port) =>
  new Promise((resolve) => {
    const req = http.get({ host, port, path: '/index.html', timeout: 10000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', (e) => resolve(`error: ${e.code}`));
    req.on('timeout', () => req.destroy());
  });
const requests = {
  a: { containerId: id('a'), name: 'alpha', hostname: 'alpha-host', endpoints: [{ network: 'app', aliases: ['www'] }] },
  b: { containerId: id('b'), name: 'beta', hostname: 'beta-host', endpoints: [{ network: 'app' }] },
  c: {
    containerId: id('c'),
    name: 'gamma',
    hostname: 'gamma-host',
    endpoints: [{ network: 'bridge' }],
    portBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '18080' }, { HostIp: '', HostPort: '' }] },
    exposedPorts: ['80/tcp'],
  },
  d: { containerId: id('d'), name: 'delta', hostname: 'delta-host', endpoints: [{ network: 'int' }] },
};

async function open(db) {
  return openNetworkManager({ db, stateDir: path.join(dir, 'network'), hostResolvConf: path.join(dir, 'resolv.conf') });
}

function httpd(netns, name) {
  const www = path.join(dir, 'www-' + name);
  fs.mkdirSync(www, { recursive: true });
  fs.writeFileSync(path.join(www, 'index.html'), `hello from ${name}\n`);
  const p = spawn('nsenter', [`--net=${netns}`, 'busybox', 'httpd', '-f', '-p', '80', '-h', www], { stdio: 'ignore', detached: true });
  fs.appendFileSync(path.join(dir, 'pids'), `${p.pid}\n`);
  p.unref();
}

async function first() {
  fs.writeFileSync(path.join(dir, 'resolv.conf'), 'search example.org\n'); // no upstream: other names fail fast
  const db = await Database.open(path.join(dir, 'berth.db'));
  const m = await open(db);
  const out = {};
  const spawnsAtOpen = networkSpawnCount();
  await m.catalog.create({ name: 'app', ipamConfigs: [{ subnet: '10.201.0.0/24' }] });
  await m.catalog.create({ name: 'int', internal: true, ipamConfigs: [{ subnet: '10.202.0.0/24' }] });
  out.spawnsForCreates = networkSpawnCount() - spawnsAtOpen;
  const spawnsBefore = networkSpawnCount();
  const s = {};
  for (const k of ['a', 'b', 'c', 'd']) s[k] = await m.attacher.attach(requests[k]);
  out.spawnsPerAttach = (networkSpawnCount() - spawnsBefore) / 4;
  out.ips = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.attachment.endpoints[0].ipv4]));
  out.portsC = Object.fromEntries(s.c.attachment.ports.map((p) => [p.key, p.bindings.length ? p.bindings.map((b) => ({ HostIp: b.hostIp, HostPort: String(b.hostPort) })) : null]));
  out.resolvA = s.a.resolvConf;
  out.hostsA = s.a.hosts;
  out.routesD = (await inNs(s.d.netnsPath, ['ip', 'route'])).out;
  for (const k of ['a', 'c', 'd']) httpd(s[k].netnsPath, k);
  await new Promise((r) => setTimeout(r, 300));
  out.bToA = (await get(s.b.netnsPath, out.ips.a, 80)).out.includes('hello from a');
  out.cToA = (await get(s.c.netnsPath, out.ips.a, 80, false)).out.includes('hello from a');
  out.bToD = (await get(s.b.netnsPath, out.ips.d, 80, false)).out.includes('hello from d');
  out.dToC = (await get(s.d.netnsPath, out.ips.c, 80, false)).out.includes('hello from c');
  out.lookupWww = (await inNs(s.b.netnsPath, ['busybox', 'nslookup', '-type=a', 'www', '10.201.0.1'])).out;
  out.lookupAlpha = (await inNs(s.b.netnsPath, ['busybox', 'nslookup', '-type=a', 'alpha', '10.201.0.1'])).out;
  out.lookupGammaFromB = (await inNs(s.b.netnsPath, ['busybox', 'nslookup', '-type=a', 'gamma', '10.201.0.1'])).out;
  out.loopback = await hostGet('127.0.0.1', 18080);
  const anyPort = out.portsC['80/tcp'].find((b) => b.HostIp === '0.0.0.0').HostPort;
  out.anyPortLoopback = await hostGet('127.0.0.1', Number(anyPort));
  out.anyPortV6 = out.portsC['80/tcp'].some((b) => b.HostIp === '::') ? await hostGet('::1', Number(anyPort)) : 'no ipv6';
  out.fromBViaGatewayAnyPort = (await get(s.b.netnsPath, '10.201.0.1', anyPort)).out.includes('hello from c');
  out.cToItselfViaGateway = (await get(s.c.netnsPath, '172.17.0.1', anyPort)).out.includes('hello from c');
  out.fromBViaGatewayLoopbackPort = (await get(s.b.netnsPath, '10.201.0.1', 18080, false)).out.includes('hello from c');
  try {
    await m.attacher.attach({ containerId: id('e'), name: 'eps', hostname: 'e', endpoints: [{ network: 'bridge' }], portBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '18080' }] } });
    out.conflict = 'attached';
  } catch (e) {
    out.conflict = e.message;
  }
  out.linksAfterConflict = fs.readFileSync('/proc/net/dev', 'utf8').split('\n').filter((l) => l.includes('veth')).length;
  const c2 = await m.attacher.connect(id('b'), { network: 'bridge' });
  out.connectNets = c2.attachment.endpoints.map((e) => e.network);
  out.bToCAfterConnect = (await get(s.b.netnsPath, out.ips.c, 80)).out.includes('hello from c');
  const d2 = await m.attacher.disconnect(id('b'), 'bridge');
  out.disconnectNets = d2.attachment.endpoints.map((e) => e.network);
  out.bToCAfterDisconnect = (await get(s.b.netnsPath, out.ips.c, 80, false)).out.includes('hello from c');
  // IPv6 on a user network that enables it
  await m.catalog.create({ name: 'six', enableIPv6: true, ipamConfigs: [{ subnet: '10.203.0.0/24' }, { subnet: 'fd00:b::/64' }] });
  const f = await m.attacher.attach({ containerId: id('f'), name: 'foxtrot', hostname: 'f', endpoints: [{ network: 'six' }] });
  const g = await m.attacher.attach({ containerId: id('g'), name: 'golf', hostname: 'g', endpoints: [{ network: 'six' }] });
  const six = (x) => x.attachment.endpoints.find((e) => e.network === 'six');
  out.v6 = [six(f).ipv6, six(f).ipv6PrefixLen, six(f).ipv6Gateway, six(g).ipv6];
  httpd(f.netnsPath, 'f');
  await new Promise((r) => setTimeout(r, 300));
  out.gToFv6 = (await get(g.netnsPath, 'fd00:b::2', 80)).out.includes('hello from f');
  out.lookupAAAA = (await inNs(g.netnsPath, ['busybox', 'nslookup', '-type=aaaa', 'foxtrot', '10.203.0.1'])).out;
  out.sixInspect = (await m.catalog.inspect('six')).endpoints.find((e) => e.containerId === id('f')).ipv6;
  await m.close();
  await db.close();
  return out;
}

async function second() {
  // A new berthd: a, c still run, b and d "died" while it was away.
  const db = await Database.open(path.join(dir, 'berth.db'));
  const m = await open(db);
  await m.attacher.restore([requests.a, requests.c]);
  const out = {};
  out.kept = ['a', 'b', 'c', 'd'].filter((k) => m.attacher.attachment(id(k)));
  out.loopbackAfterRestart = await hostGet('127.0.0.1', 18080);
  const sa = m.attacher.setup(id('a'));
  const sc = m.attacher.setup(id('c'));
  out.lookupAfterRestart = (await inNs(sa.netnsPath, ['busybox', 'nslookup', '-type=a', 'alpha', '10.201.0.1'])).out;
  out.lookupFromDefaultBridge = (await inNs(sc.netnsPath, ['busybox', 'nslookup', '-type=a', 'alpha', '10.201.0.1'])).out;
  out.aSameIp = sa.attachment.endpoints.find((e) => e.network === 'app').ipv4;
  for (const pid of fs.readFileSync(path.join(dir, 'pids'), 'utf8').trim().split('\n')) {
    try {
      process.kill(-Number(pid), 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await new Promise((r) => setTimeout(r, 200));
  await m.attacher.detach(id('a'));
  await m.attacher.detach(id('c'));
  await m.catalog.remove('app');
  await m.catalog.remove('int');
  await m.catalog.remove('six');
  await new Promise((r) => setTimeout(r, 1500)); // veths vanish with their namespaces; the sweep runs after 1 s
  out.netnsFiles = fs.readdirSync(path.join(dir, 'network', 'netns'));
  out.rows = (await db.all('SELECT COUNT(*) AS n FROM endpoints'))[0].n + (await db.all('SELECT COUNT(*) AS n FROM ports'))[0].n;
  await m.close();
  await db.close();
  return out;
}

(phase === 'first' ? first() : second())
  .then((o) => process.stdout.write(JSON.stringify(o) + '\n'))
  .catch((e) => {
    process.stdout.write(JSON.stringify({ error: String(e && e.stack) }) + '\n');
    process.exitCode = 1;
  });
