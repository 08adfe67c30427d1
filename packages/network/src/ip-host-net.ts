import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '@berth/errdefs';
import type { BridgeSpec, HostNet, VethSpec } from './host-net';
import { runCommand } from './run-command';

/** HostNet with iproute2, unshare and umount: a few processes per container. */
export class IpHostNet implements HostNet {
  async ensureBridge(b: BridgeSpec): Promise<void> {
    const have = await this.links();
    const lines: string[] = [];
    if (!have.includes(b.name)) lines.push(`link add ${b.name} mtu ${b.mtu} type bridge`);
    lines.push(`addr replace ${b.address} dev ${b.name}`, `link set ${b.name} up`);
    if (b.address6) lines.push(`addr replace ${b.address6} dev ${b.name} nodad`);
    await runCommand(`bridge ${b.name}`, 'ip', ['-batch', '-'], lines.join('\n') + '\n');
    await writeSysctl(`net/ipv4/conf/${b.name}/route_localnet`, '1');
  }

  async deleteBridge(name: string): Promise<void> {
    if (!(await this.links()).includes(name)) return;
    await runCommand(`bridge ${name}`, 'ip', ['link', 'del', name]);
  }

  async createNetns(p: string): Promise<void> {
    await fs.mkdir(path.dirname(p), { recursive: true });
    await (await fs.open(p, 'a')).close();
    await runCommand(`netns ${p}`, 'unshare', [`--net=${p}`, 'ip', 'link', 'set', 'lo', 'up']);
  }

  async deleteNetns(p: string): Promise<void> {
    if (await isMounted(p)) await runCommand(`netns ${p}`, 'umount', ['-l', p]);
    await fs.rm(p, { force: true });
  }

  async addVeth(v: VethSpec): Promise<void> {
    await runCommand(
      `veth ${v.hostName}`,
      'ip',
      ['-batch', '-'],
      [
        `link add ${v.hostName} mtu ${v.mtu} type veth peer name ${v.ifname} mtu ${v.mtu} address ${v.mac} netns ${v.netnsPath}`,
        `link set ${v.hostName} master ${v.bridge} up`,
        `link set ${v.hostName} type bridge_slave hairpin on`,
      ].join('\n') + '\n',
    );
    const inside = [`addr add ${v.address} dev ${v.ifname}`, `link set ${v.ifname} up`];
    if (v.gateway) inside.push(`route replace default via ${v.gateway} dev ${v.ifname}`);
    inside.push(...ipv6Lines(v));
    await runCommand(`veth ${v.ifname}`, 'nsenter', [`--net=${v.netnsPath}`, 'ip', '-batch', '-'], inside.join('\n') + '\n');
  }

  async deleteLink(name: string): Promise<void> {
    if (!(await this.links()).includes(name)) return;
    await runCommand(`link ${name}`, 'ip', ['link', 'del', name]).catch(async (e) => {
      if ((await this.links()).includes(name)) throw e;
    });
  }

  async deleteLinkIn(netnsPath: string, ifname: string): Promise<void> {
    await runCommand(`link ${ifname}`, 'nsenter', [`--net=${netnsPath}`, 'ip', 'link', 'del', ifname]);
  }

  async setDefaultRoute(netnsPath: string, gateway: string | undefined): Promise<void> {
    const cmd = gateway ? `route replace default via ${gateway}` : 'route flush exact 0.0.0.0/0';
    await runCommand('default route', 'nsenter', [`--net=${netnsPath}`, 'ip', '-batch', '-'], cmd + '\n');
  }

  links(): Promise<string[]> {
    return procLinks();
  }

  async enableForwarding(): Promise<void> {
    await writeSysctl('net/ipv4/ip_forward', '1');
  }

  async enableBridgeFiltering(): Promise<void> {
    try {
      await writeSysctl('net/bridge/bridge-nf-call-iptables', '1');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      throw new InvalidArgumentError('com.docker.network.bridge.enable_icc=false: needs the br_netfilter kernel module (modprobe br_netfilter)');
    }
  }
}

/** The `ip -batch` lines that give a container interface its IPv6 address and route. */
export function ipv6Lines(v: VethSpec): string[] {
  if (!v.address6) return [];
  const out = [`addr add ${v.address6} dev ${v.ifname} nodad`];
  if (v.gateway6) out.push(`route replace default via ${v.gateway6} dev ${v.ifname}`);
  return out;
}

/** Interface names of the caller's network namespace (/proc/net follows it; /sys may not). */
export async function procLinks(): Promise<string[]> {
  const text = await fs.readFile('/proc/net/dev', 'utf8');
  return text
    .split('\n')
    .slice(2)
    .map((l) => l.split(':')[0]!.trim())
    .filter(Boolean);
}

/** Writes a sysctl of the caller's network namespace; no-op when it already has the value. */
export async function writeSysctl(key: string, value: string): Promise<void> {
  const p = `/proc/sys/${key}`;
  const cur = await fs.readFile(p, 'utf8').catch(() => '');
  if (cur.trim() === value) return;
  await fs.writeFile(p, value);
}

/** Whether `p` is a mount point (the netns bind mount). */
export async function isMounted(p: string): Promise<boolean> {
  const text = await fs.readFile('/proc/self/mountinfo', 'utf8');
  const abs = path.resolve(p);
  return text.split('\n').some((l) => l.split(' ')[4] === abs);
}
