import { InvalidArgumentError } from '@berth/errdefs';

/** An IPv6 prefix: `base` is the network address as a 128-bit number. */
export interface Cidr6 {
  base: bigint;
  prefix: number;
}

const FULL = (1n << 128n) - 1n;

export function parseIPv6(s: string): bigint {
  const bad = () => new InvalidArgumentError(`invalid IPv6 address: ${s}`);
  if (!/^[0-9a-fA-F:]+$/.test(s) || s.split('::').length > 2) throw bad();
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const missing = 8 - h.length - t.length;
  if (missing < 0 || (tail === undefined && missing !== 0) || (tail !== undefined && missing < 1)) throw bad();
  const groups = [...h, ...Array<string>(missing).fill('0'), ...t];
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw bad();
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return n;
}

/** RFC 5952 text: lower case, the longest run of zero groups (2 or more) as '::'. */
export function formatIPv6(n: bigint): string {
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export function mask6(prefix: number): bigint {
  return prefix === 0 ? 0n : (FULL << BigInt(128 - prefix)) & FULL;
}

export function parseCidr6(s: string): Cidr6 {
  const i = s.indexOf('/');
  const p = Number(s.slice(i + 1));
  if (i < 0 || !/^\d{1,3}$/.test(s.slice(i + 1)) || p > 128) throw new InvalidArgumentError(`invalid CIDR address: ${s}`);
  return { base: parseIPv6(s.slice(0, i)) & mask6(p), prefix: p };
}

export function formatCidr6(c: Cidr6): string {
  return `${formatIPv6(c.base)}/${c.prefix}`;
}

export function contains6(c: Cidr6, a: bigint): boolean {
  return (a & mask6(c.prefix)) === c.base;
}

export function overlaps6(a: Cidr6, b: Cidr6): boolean {
  return contains6(a, b.base) || contains6(b, a.base);
}

/** The lowest free address after the subnet's first (the gateway's usual place), or the requested one. */
export function allocateIPv6(subnet: Cidr6, gateway: bigint, used: ReadonlySet<bigint>, requested?: string): bigint {
  if (requested) {
    const a = parseIPv6(requested);
    if (!contains6(subnet, a)) throw new InvalidArgumentError(`no available IPv6 address in subnet ${formatCidr6(subnet)}: ${requested} is outside it`);
    if (a === gateway || a === subnet.base || used.has(a)) throw new InvalidArgumentError('Address already in use');
    return a;
  }
  const size = 1n << BigInt(128 - subnet.prefix);
  const limit = size < 65536n ? size : 65536n;
  for (let i = 1n; i < limit; i++) {
    const a = subnet.base + i;
    if (a !== gateway && !used.has(a)) return a;
  }
  throw new InvalidArgumentError(`no available IPv6 addresses on this network's address pools: ${formatCidr6(subnet)}`);
}
