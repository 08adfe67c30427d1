import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

/**
 * The built @berth/network on a real kernel: bridges, veths, netns files, nft rules, published
 * ports and the embedded DNS, all inside a network namespace this test makes (never the
 * host's). The work runs in a child node under `nsenter --net` (needs `npm run build`).
 */
const NS = `berth-net-${process.pid}`;
const NS_PATH = `/var/run/netns/${NS}`;
const SCENARIO = path.join(__dirname, '__fixtures__', 'netns-scenario.js');

function phase(name: string, dir: string): Record<string, unknown> {
  const r = spawnSync('nsenter', [`--net=${NS_PATH}`, process.execPath, SCENARIO, name, dir], { encoding: 'utf8', timeout: 90000 });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (!line.startsWith('{')) throw new Error(`scenario ${name}: ${r.stderr}${r.stdout}`);
  const out = JSON.parse(line) as Record<string, unknown>;
  if (out.error) throw new Error(String(out.error));
  return out;
}

function nsRun(args: string[]): string {
  return execFileSync('nsenter', [`--net=${NS_PATH}`, ...args], { encoding: 'utf8' });
}

describe('bridge networking on a real kernel (in a test netns)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-hostnet-'));
    execFileSync('ip', ['netns', 'add', NS]);
    nsRun(['ip', 'link', 'set', 'lo', 'up']);
  });
  afterAll(async () => {
    // The scenario's httpd processes (the second phase kills them; not when the first one failed).
    const pids = await fs.readFile(path.join(dir, 'pids'), 'utf8').catch(() => '');
    for (const p of pids.split('\n').filter(Boolean)) {
      try {
        process.kill(-Number(p), 'SIGKILL');
      } catch {
        // gone already
      }
    }
    const mounts = (await fs.readFile('/proc/self/mountinfo', 'utf8')).split('\n').map((l) => l.split(' ')[4] ?? '');
    for (const m of mounts) if (m.startsWith(dir)) spawnSync('umount', ['-l', m]);
    spawnSync('ip', ['netns', 'del', NS]);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('connects, isolates, resolves, publishes, survives a restart and leaves nothing behind', () => {
    const a = phase('first', dir);
    expect(a.ips).toEqual({ a: '10.201.0.2', b: '10.201.0.3', c: '172.17.0.2', d: '10.202.0.2' });
    expect(a.spawnsForCreates).toBe(0); // bridges over netlink too
    expect(a.spawnsPerAttach).toBe(0); // netlink and libnftables in-process (the native addon)
    expect(a.resolvA).toBe('search example.org\nnameserver 10.201.0.1\noptions ndots:0\n');
    expect(String(a.hostsA).endsWith('10.201.0.2\talpha-host\n')).toBe(true);
    expect(a.routesD).not.toContain('default');
    // same network: yes; another network, internal network: no.
    expect([a.bToA, a.cToA, a.bToD, a.dToC]).toEqual([true, false, false, false]);
    expect(a.lookupWww).toContain('Address: 10.201.0.2');
    expect(a.lookupAlpha).toContain('Address: 10.201.0.2');
    expect(a.lookupGammaFromB).not.toContain('172.17.0.2');
    // published: loopback-only port, any-address port on 127.0.0.1 and ::1, and from another network via its gateway.
    expect(a.loopback).toBe('hello from c\n');
    expect(a.anyPortLoopback).toBe('hello from c\n');
    expect(['hello from c\n', 'no ipv6']).toContain(a.anyPortV6);
    expect(a.fromBViaGatewayAnyPort).toBe(true);
    expect(a.fromBViaGatewayLoopbackPort).toBe(false);
    expect(a.cToItselfViaGateway).toBe(true);
    expect(a.conflict).toMatch(/^driver failed programming external connectivity on endpoint eps \([0-9a-f]{64}\): Bind for 127\.0\.0\.1:18080 failed: port is already allocated$/);
    expect(a.linksAfterConflict).toBe(4);
    expect([a.connectNets, a.bToCAfterConnect, a.disconnectNets, a.bToCAfterDisconnect]).toEqual([['app', 'bridge'], true, ['app'], false]);

    expect(a.v6).toEqual(['fd00:b::2', 64, 'fd00:b::1', 'fd00:b::3']);
    expect(a.gToFv6).toBe(true);
    expect(a.lookupAAAA).toContain('fd00:b::2');
    expect(a.sixInspect).toBe('fd00:b::2/64');

    const b = phase('second', dir);
    expect(b.kept).toEqual(['a', 'c']); // b, d, f and g were reclaimed
    expect(b.loopbackAfterRestart).toBe('hello from c\n');
    expect(b.lookupAfterRestart).toContain('Address: 10.201.0.2');
    expect(b.lookupFromDefaultBridge).not.toContain('10.201.0.2');
    expect(b.aSameIp).toBe('10.201.0.2');
    expect(b.netnsFiles).toEqual([]);
    expect(b.rows).toBe(0);
    const links = nsRun(['ip', '-o', 'link']);
    expect(links).not.toMatch(/veth|br-/);
    const table = nsRun(['nft', 'list', 'table', 'ip', 'berth']);
    expect(table).not.toContain('18080');
    expect(table).not.toMatch(/10\.20[12]\./);
    const mounts = execFileSync('cat', ['/proc/self/mountinfo'], { encoding: 'utf8' });
    expect(mounts).not.toContain(dir);
  }, 200_000);
});
