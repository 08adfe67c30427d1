import { InvalidArgumentError } from '@berth/errdefs';
import type { PortBindingsRequest } from './network-types';

/** One published port as asked: hostIp '' means every address (0.0.0.0 and ::). */
export interface WantedPort {
  key: string;
  proto: 'tcp' | 'udp' | 'sctp';
  containerPort: number;
  hostIp: string;
  /** [lo, hi]; [0, 0] means any free port. */
  hostPorts: [number, number];
}

function parseKey(key: string): { proto: WantedPort['proto']; ports: [number, number] } {
  const [p, proto = 'tcp'] = key.split('/');
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') throw new InvalidArgumentError(`port ${key}: invalid protocol ${proto}`);
  return { proto, ports: parseRange(p ?? '', `port ${key}`) };
}

function parseRange(s: string, what: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) throw new InvalidArgumentError(`${what}: invalid port`);
  const lo = Number(m[1]);
  const hi = m[2] ? Number(m[2]) : lo;
  if (lo < 0 || hi > 65535 || hi < lo) throw new InvalidArgumentError(`${what}: invalid port range`);
  return [lo, hi];
}

/**
 * The ports to publish: HostConfig.PortBindings, plus with -P every exposed port not bound
 * already (on a free port). Container port ranges give one binding per port.
 */
export function wantedPorts(bindings: PortBindingsRequest | null | undefined, publishAll: boolean, exposed: string[]): WantedPort[] {
  const out: WantedPort[] = [];
  const bound = new Set<string>();
  for (const [key, list] of Object.entries(bindings ?? {})) {
    const { proto, ports } = parseKey(key);
    for (const b of list ?? []) {
      const hostIp = b.HostIp ?? '';
      const hostRange: [number, number] = b.HostPort ? parseRange(b.HostPort, `host port ${b.HostPort}`) : [0, 0];
      const n = ports[1] - ports[0] + 1;
      for (let i = 0; i < n; i++) {
        const cp = ports[0] + i;
        let hp: [number, number] = hostRange;
        if (n > 1 && hostRange[0] !== 0) {
          if (hostRange[1] - hostRange[0] + 1 !== n) throw new InvalidArgumentError(`port ${key}: host port range ${b.HostPort} does not match`);
          hp = [hostRange[0] + i, hostRange[0] + i];
        }
        if (hp[0] === 0 && hp[1] !== 0) hp = [0, 0];
        out.push({ key: `${cp}/${proto}`, proto, containerPort: cp, hostIp, hostPorts: hp });
        bound.add(`${cp}/${proto}`);
      }
    }
  }
  if (publishAll) {
    for (const key of exposed) {
      const { proto, ports } = parseKey(key);
      for (let cp = ports[0]; cp <= ports[1]; cp++) {
        const k = `${cp}/${proto}`;
        if (bound.has(k)) continue;
        bound.add(k);
        out.push({ key: k, proto, containerPort: cp, hostIp: '', hostPorts: [0, 0] });
      }
    }
  }
  return out;
}

/** Every exposed and published port key ('80/tcp'), for NetworkSettings.Ports. */
export function portKeys(bindings: PortBindingsRequest | null | undefined, exposed: string[]): string[] {
  const keys = new Set<string>();
  for (const k of [...exposed, ...Object.keys(bindings ?? {})]) {
    const { proto, ports } = parseKey(k);
    for (let p = ports[0]; p <= ports[1]; p++) keys.add(`${p}/${proto}`);
  }
  return [...keys];
}
