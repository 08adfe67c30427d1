import { InvalidArgumentError } from '@berth/errdefs';

/** An IPv4 prefix: `base` is the network address as an unsigned 32-bit number. */
export interface Cidr4 {
  base: number;
  prefix: number;
}

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function isIPv4(s: string): boolean {
  const m = IPV4_RE.exec(s);
  return !!m && m.slice(1).every((p) => Number(p) <= 255);
}

/** '172.17.0.1' -> number; InvalidArgument for anything else. */
export function parseIPv4(s: string): number {
  const m = IPV4_RE.exec(s);
  if (!m || !m.slice(1).every((p) => Number(p) <= 255)) throw new InvalidArgumentError(`invalid IPv4 address: ${s}`);
  return ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** 'a.b.c.d/n' -> the prefix (host bits cleared); InvalidArgument when malformed. */
export function parseCidr4(s: string): Cidr4 {
  const i = s.indexOf('/');
  if (i < 0) throw new InvalidArgumentError(`invalid CIDR address: ${s}`);
  const prefix = Number(s.slice(i + 1));
  if (!/^\d{1,2}$/.test(s.slice(i + 1)) || prefix > 32) throw new InvalidArgumentError(`invalid CIDR address: ${s}`);
  let addr: number;
  try {
    addr = parseIPv4(s.slice(0, i));
  } catch {
    throw new InvalidArgumentError(`invalid CIDR address: ${s}`);
  }
  return { base: (addr & mask(prefix)) >>> 0, prefix };
}

/** 'a.b.c.d/n' keeping the host bits: the address and the prefix (for --bip 172.17.0.1/16). */
export function parseAddrPrefix4(s: string): { addr: number; prefix: number } {
  const c = parseCidr4(s);
  return { addr: parseIPv4(s.slice(0, s.indexOf('/'))), prefix: c.prefix };
}

export function formatCidr4(c: Cidr4): string {
  return `${formatIPv4(c.base)}/${c.prefix}`;
}

export function size4(c: Cidr4): number {
  return 2 ** (32 - c.prefix);
}

export function last4(c: Cidr4): number {
  return (c.base + size4(c) - 1) >>> 0;
}

export function contains4(c: Cidr4, addr: number): boolean {
  return ((addr & mask(c.prefix)) >>> 0) === c.base;
}

export function overlaps4(a: Cidr4, b: Cidr4): boolean {
  return contains4(a, b.base) || contains4(b, a.base);
}

/** Docker's MAC for an IPv4 endpoint: 02:42 and the four address bytes. */
export function macForIPv4(addr: number): string {
  const b = [0x02, 0x42, addr >>> 24, (addr >>> 16) & 255, (addr >>> 8) & 255, addr & 255];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

const MAC_RE = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i;
export function isMac(s: string): boolean {
  return MAC_RE.test(s);
}
