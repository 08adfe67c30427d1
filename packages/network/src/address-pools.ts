import type { AddressPool } from './network-manager';
import { type Cidr4, formatCidr4, overlaps4, parseCidr4, size4 } from './ipv4';

/** Docker's predefined local-scope pools: 172.17-31.0.0/16, then 192.168.0.0/16 in /20s. */
export const DOCKER_DEFAULT_POOLS: AddressPool[] = [
  { base: '172.17.0.0/16', size: 16 },
  { base: '172.18.0.0/16', size: 16 },
  { base: '172.19.0.0/16', size: 16 },
  { base: '172.20.0.0/14', size: 16 },
  { base: '172.24.0.0/14', size: 16 },
  { base: '172.28.0.0/14', size: 16 },
  { base: '192.168.0.0/16', size: 20 },
];

/** Every subnet the pools offer, in order. */
export function* poolSubnets(pools: readonly AddressPool[]): Generator<Cidr4> {
  for (const p of pools) {
    const base = parseCidr4(p.base);
    if (p.size < base.prefix || p.size > 30) continue;
    const step = 2 ** (32 - p.size);
    for (let a = base.base; a < base.base + size4(base); a += step) yield { base: a >>> 0, prefix: p.size };
  }
}

/** The first pool subnet that overlaps none of `taken` (berth's networks and the host's routes). */
export function pickSubnet(pools: readonly AddressPool[], taken: readonly Cidr4[]): Cidr4 | undefined {
  for (const c of poolSubnets(pools)) if (!taken.some((t) => overlaps4(t, c))) return c;
  return undefined;
}

export { formatCidr4 };
