import { InvalidArgumentError } from '@berth/errdefs';
import { type Cidr4, contains4, formatCidr4, formatIPv4, last4, parseIPv4 } from './ipv4';

/** One network's IPv4 address space. */
export interface Pool4 {
  subnet: Cidr4;
  /** Dynamic addresses come from here (IPAM IPRange); default the whole subnet. */
  range?: Cidr4;
  gateway: number;
}

/**
 * The address for a new endpoint: the requested one (must be in the subnet, not the
 * gateway, network or broadcast address, and free), or the lowest free one in the range
 * (as Docker: a freed address is handed out again).
 */
export function allocateIPv4(pool: Pool4, used: ReadonlySet<number>, requested?: string): number {
  const first = pool.subnet.base;
  const last = last4(pool.subnet);
  const reserved = (a: number) => a === pool.gateway || (pool.subnet.prefix < 31 && (a === first || a === last));
  if (requested) {
    const a = parseIPv4(requested);
    if (!contains4(pool.subnet, a)) throw new InvalidArgumentError(`no available IPv4 address in subnet ${formatCidr4(pool.subnet)}: ${requested} is outside it`);
    if (reserved(a) || used.has(a)) throw new InvalidArgumentError(`Address already in use`);
    return a;
  }
  const r = pool.range ?? pool.subnet;
  for (let a = r.base; a <= last4(r); a++) {
    if (!reserved(a) && !used.has(a) && contains4(pool.subnet, a)) return a >>> 0;
  }
  throw new InvalidArgumentError(`no available IPv4 addresses on this network's address pools: ${formatCidr4(r)}`);
}

export { formatIPv4 };
