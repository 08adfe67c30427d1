import * as dgram from 'node:dgram';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';

/** Where connections a held port receives go: the container's address and port. */
export interface PortTarget {
  ip: string;
  port: number;
}

type Held = { close(): void };

/**
 * Holds published host ports by binding them inside berthd, so that a taken port is found at
 * once and nothing else takes it while the container runs. IPv4 traffic to the port is
 * DNATed by the firewall before it reaches the socket; what does reach a TCP socket (IPv6
 * clients of a '::' binding) is relayed to the container in-process. No process per port.
 */
export class PortHolder {
  private readonly held = new Map<string, Held>();
  private cursor = 0;

  static key(proto: string, hostIp: string, hostPort: number): string {
    return `${proto}/${hostIp}/${hostPort}`;
  }

  has(proto: string, hostIp: string, hostPort: number): boolean {
    return this.held.has(PortHolder.key(proto, hostIp, hostPort));
  }

  /** Binds the port; rejects with the bind error (err.code EADDRINUSE, EADDRNOTAVAIL...). */
  async hold(proto: string, hostIp: string, hostPort: number, target: PortTarget): Promise<void> {
    const key = PortHolder.key(proto, hostIp, hostPort);
    if (this.held.has(key)) return;
    const h = proto === 'udp' ? await bindUdp(hostIp, hostPort) : proto === 'tcp' ? await listenTcp(hostIp, hostPort, target) : { close() {} };
    this.held.set(key, h);
  }

  release(proto: string, hostIp: string, hostPort: number): void {
    const key = PortHolder.key(proto, hostIp, hostPort);
    this.held.get(key)?.close();
    this.held.delete(key);
  }

  releaseAll(): void {
    for (const h of this.held.values()) h.close();
    this.held.clear();
  }

  /**
   * A free host port in the ephemeral range for all of `hostIps`, held for `target` on
   * return. Tries ports in turn from where the last search stopped (as Docker's allocator).
   */
  async holdFree(proto: string, hostIps: string[], target: PortTarget, taken: (port: number) => boolean): Promise<number> {
    const [lo, hi] = await ephemeralRange();
    const n = hi - lo + 1;
    if (this.cursor < lo || this.cursor > hi) this.cursor = lo;
    for (let i = 0; i < n; i++) {
      const port = lo + ((this.cursor - lo + i) % n);
      if (taken(port) || hostIps.some((ip) => this.has(proto, ip, port))) continue;
      const done: string[] = [];
      try {
        for (const ip of hostIps) {
          await this.hold(proto, ip, port, target);
          done.push(ip);
        }
        this.cursor = port + 1;
        return port;
      } catch {
        for (const ip of done) this.release(proto, ip, port);
      }
    }
    throw new Error(`no free port in ${lo}-${hi}`);
  }
}

async function ephemeralRange(): Promise<[number, number]> {
  const t = await fs.readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '49153 60999');
  const [a, b] = t.trim().split(/\s+/).map(Number);
  return a && b && a <= b ? [a, b] : [49153, 60999];
}

function listenTcp(hostIp: string, port: number, target: PortTarget): Promise<Held> {
  return new Promise((resolve, reject) => {
    const conns = new Set<net.Socket>();
    const server = net.createServer((c) => {
      const up = net.connect({ host: target.ip, port: target.port });
      conns.add(c).add(up);
      const drop = () => {
        c.destroy();
        up.destroy();
        conns.delete(c);
        conns.delete(up);
      };
      c.on('error', drop).on('close', drop);
      up.on('error', drop).on('close', drop);
      c.pipe(up);
      up.pipe(c);
    });
    server.once('error', reject);
    server.listen({ host: hostIp, port, ipv6Only: hostIp.includes(':'), exclusive: true, backlog: 128 }, () => {
      server.removeListener('error', reject);
      server.on('error', () => undefined);
      resolve({
        close() {
          server.close();
          for (const c of conns) c.destroy();
        },
      });
    });
  });
}

function bindUdp(hostIp: string, port: number): Promise<Held> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket({ type: hostIp.includes(':') ? 'udp6' : 'udp4', ipv6Only: hostIp.includes(':') });
    s.once('error', reject);
    s.bind({ address: hostIp, port, exclusive: true }, () => {
      s.removeListener('error', reject);
      s.on('error', () => undefined);
      s.on('message', () => undefined);
      resolve({ close: () => s.close() });
    });
  });
}
