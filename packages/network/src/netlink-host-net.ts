import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InternalError } from '@berth/errdefs';
import type { BridgeSpec, HostNet, VethSpec } from './host-net';
import { IpHostNet, ipv6Lines, writeSysctl } from './ip-host-net';
import { runCommand } from './run-command';

/** The calls of native/src/berth_net.c (synchronous; each a handful of syscalls). */
interface NetNative {
  createNetns(path: string): void;
  deleteNetns(path: string): void;
  addVeth(netnsPath: string, bridge: string, hostName: string, ifname: string, mac: string, address: string, prefix: number, gateway: string, mtu: number): void;
  deleteLink(name: string): void;
  ensureBridge(name: string, address: string, prefix: number, mtu: number): void;
  deleteLinkIn(netnsPath: string, ifname: string): void;
  setDefaultRoute(netnsPath: string, gateway: string): void;
  /** A TCP socket connected to localhost:port from inside the netns (its fd). */
  connectInNetns(netnsPath: string, port: number): number;
  /** Runs an nft script through libnftables on the thread pool; rejects with code ENOSYS when the library is missing. */
  nftApplyAsync(script: string): Promise<void>;
}

// src and dist sit at the same depth below the package root.
export const NET_NATIVE_PATH = path.join(__dirname, '..', 'native', 'build', 'Release', 'berth_net.node');

/** The addon, or undefined when it is not built (the `ip` commands are used then). */
export function loadNetNative(): NetNative | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a native addon is loaded by path; without it berth falls back to the ip commands
    return require(NET_NATIVE_PATH) as NetNative;
  } catch {
    return undefined;
  }
}

function wrap(what: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    throw new InternalError(`${what}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * The firewall applier: nft scripts in-process through libnftables (no process), falling back
 * to `nft -f -` when the library cannot be loaded.
 */
export function nativeNftApplier(n: NetNative): (script: string) => Promise<void> {
  let useCommand = false;
  return async (script) => {
    if (!useCommand) {
      try {
        return await n.nftApplyAsync(script);
      } catch (e) {
        if ((e as { code?: string }).code !== 'ENOSYS') throw new InternalError(`nftables: ${(e as Error).message.trim()}`, { cause: e });
        useCommand = true;
      }
    }
    await runCommand('nftables', 'nft', ['-f', '-'], script);
  };
}

/**
 * HostNet over netlink and setns from the native addon: attach, connect, disconnect and
 * detach spawn no process; nor do bridges (except the IPv6 gateway of networks with IPv6).
 */
export class NetlinkHostNet implements HostNet {
  private readonly ip = new IpHostNet();

  constructor(private readonly n: NetNative) {}

  async ensureBridge(b: BridgeSpec): Promise<void> {
    // IPv6 gateways still go through `ip` (networks with IPv6 only).
    if (b.address6) return this.ip.ensureBridge(b);
    const [addr, prefix] = b.address.split('/');
    wrap(`bridge ${b.name}`, () => this.n.ensureBridge(b.name, addr!, Number(prefix), b.mtu));
    await writeSysctl(`net/ipv4/conf/${b.name}/route_localnet`, '1');
  }

  async deleteBridge(name: string): Promise<void> {
    wrap(`bridge ${name}`, () => this.n.deleteLink(name));
  }

  async createNetns(p: string): Promise<void> {
    await fs.mkdir(path.dirname(p), { recursive: true });
    await (await fs.open(p, 'a')).close();
    wrap(`netns ${p}`, () => this.n.createNetns(p));
  }

  async deleteNetns(p: string): Promise<void> {
    wrap(`netns ${p}`, () => this.n.deleteNetns(p));
    await fs.rm(p, { force: true });
  }

  async addVeth(v: VethSpec): Promise<void> {
    const [addr, prefix] = v.address.split('/');
    wrap(`veth ${v.hostName}`, () => this.n.addVeth(v.netnsPath, v.bridge, v.hostName, v.ifname, v.mac, addr!, Number(prefix), v.gateway ?? '', v.mtu));
    // IPv6 (networks that have it): one `ip` run inside the namespace.
    const six = ipv6Lines(v);
    if (six.length) await runCommand(`veth ${v.ifname}`, 'nsenter', [`--net=${v.netnsPath}`, 'ip', '-batch', '-'], six.join('\n') + '\n');
  }

  async deleteLink(name: string): Promise<void> {
    wrap(`link ${name}`, () => this.n.deleteLink(name));
  }

  async deleteLinkIn(netnsPath: string, ifname: string): Promise<void> {
    wrap(`link ${ifname}`, () => this.n.deleteLinkIn(netnsPath, ifname));
  }

  async setDefaultRoute(netnsPath: string, gateway: string | undefined): Promise<void> {
    wrap('default route', () => this.n.setDefaultRoute(netnsPath, gateway ?? ''));
  }

  links(): Promise<string[]> {
    return this.ip.links();
  }

  enableForwarding(): Promise<void> {
    return this.ip.enableForwarding();
  }

  enableBridgeFiltering(): Promise<void> {
    return this.ip.enableBridgeFiltering();
  }
}
